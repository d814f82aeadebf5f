package dev.potluck.node.it;

import dev.potluck.node.PotluckNode;
import dev.potluck.node.config.HostPort;
import dev.potluck.node.config.Mirror;
import dev.potluck.node.config.NodeConfig;
import dev.potluck.node.http.PeerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A node started inside the test's JVM, on an ephemeral loopback port. */
final class InProcessNode implements AutoCloseable {

  final PotluckNode node;

  private InProcessNode(PotluckNode node) {
    this.node = node;
  }

  static InProcessNode start(NodeConfig config) throws Exception {
    return new InProcessNode(PotluckNode.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  /** A node that also serves other nodes, on an ephemeral loopback port, with {@code secret} (or none). */
  static PotluckNode startWithPeerListener(Path cacheDir, byte[] secret) throws Exception {
    return PotluckNode.start(config(cacheDir), new PeerSettings(new HostPort("127.0.0.1", 0), secret))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static NodeConfig config(Path cacheDir) {
    return config(cacheDir, 1L << 30, Duration.ofMinutes(5), Duration.ofSeconds(30), List.of());
  }

  static NodeConfig config(Path cacheDir, long cacheSize, Duration metadataMaxAge, Duration upstreamTimeout,
      List<Mirror> mirrors) {
    return new NodeConfig(new HostPort("127.0.0.1", 0), cacheDir, cacheSize, mirrors, List.of(), metadataMaxAge,
        upstreamTimeout, Duration.ofSeconds(60));
  }

  int port() {
    return node.address().port();
  }

  /**
   * Waits until no fetch is under way, i.e. everything fetched is committed to the store. A client can
   * finish reading before the node has committed what it read.
   */
  void awaitIdle() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (node.status().activeFetches() > 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the node still has fetches under way after 30 s");
      }
      Thread.sleep(10);
    }
  }

  ProxyClient client() {
    return new ProxyClient(port());
  }

  @Override
  public void close() throws Exception {
    node.stop(Duration.ofSeconds(5));
  }
}
