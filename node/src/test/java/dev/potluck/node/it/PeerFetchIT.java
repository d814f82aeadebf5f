package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.potluck.node.PotluckNode;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One node takes an object from another's peer API, verified; a lying peer's bytes are never kept or handed out. */
class PeerFetchIT {

  private static final long MB = 1L << 20;
  private static final byte[] SECRET = "the office cluster secret".getBytes(StandardCharsets.UTF_8);

  @TempDir Path work;
  private OriginServer origin;
  private PotluckNode a;
  private PotluckNode b;

  @BeforeEach
  void start() throws Exception {
    origin = OriginServer.start();
    a = start("a");
    b = start("b");
  }

  @AfterEach
  void stop() throws Exception {
    a.stop(Duration.ofSeconds(5));
    b.stop(Duration.ofSeconds(5));
    origin.close();
  }

  private PotluckNode start(String name) throws Exception {
    return InProcessNode.startWithPeerListener(work.resolve(name), SECRET);
  }

  @Test
  void aPeerAnswering302ToALoopbackPort_isNotFollowed_andNothingConnectsThere() throws Exception {
    // The trap: a listener on loopback that counts who connects to it.
    try (java.net.ServerSocket trap = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        OriginServer roguePeer = OriginServer.start()) {
      java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
      Thread acceptor = new Thread(() -> {
        while (!trap.isClosed()) {
          try (java.net.Socket s = trap.accept()) {
            connections.incrementAndGet();
          } catch (IOException closed) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      origin.route("/pool/redirected.deb", OriginServer.body(MB, 52));
      String url = origin.url("/pool/redirected.deb");
      Sha256 sha = Sha256.parse(origin.sha256("/pool/redirected.deb"));
      String trapUrl = "http://127.0.0.1:" + trap.getLocalPort() + "/admin/secret";
      // The rogue peer answers every request for the object's key with a 302 to the trap.
      String key = ObjectKey.of(CanonicalUrl.parse(url)).id();
      roguePeer.route(PeerApi.OBJECTS_PREFIX + key, new OriginServer.Route(0, 0, 0, -1, 302, trapUrl, null, 0));

      ExecutionException failed = assertThrows(ExecutionException.class, () -> b.fetchFromPeer(url, "127.0.0.1",
          roguePeer.port(), SECRET, sha).toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES));
      assertTrue(failed.getCause().getMessage().contains("302"), failed.getCause().getMessage());
      assertEquals(1, roguePeer.requests(PeerApi.OBJECTS_PREFIX + key).size(), "the peer was asked once");
      assertEquals(0, connections.get(), "no connection was made to where the peer pointed");
      assertEquals(0, origin.count("GET", "/pool/redirected.deb"));
    }
  }

  @Test
  void fromAHolder_verifiedStoredAndServedWithoutUpstream() throws Exception {
    origin.route("/pool/shared.deb", OriginServer.body(3 * MB, 51));
    String url = origin.url("/pool/shared.deb");
    Sha256 sha = Sha256.parse(origin.sha256("/pool/shared.deb"));
    assertEquals("miss", new ProxyClient(a.address().port()).get(url).cache());

    long size = b.fetchFromPeer(url, "127.0.0.1", a.peerAddress().port(), SECRET, sha)
        .toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    assertEquals(3 * MB, size);
    awaitIdle(b);
    ProxyClient.Fetched fromB = new ProxyClient(b.address().port()).get(url);
    assertEquals("hit", fromB.cache());
    assertEquals(sha.hex(), fromB.sha256());
    assertEquals(1, origin.count("GET", "/pool/shared.deb"), "the second node never went upstream");
  }

  @Test
  void lyingPeer_bytesDiscardedAndNeverHandedOutAsComplete() throws Exception {
    // A "peer" that answers the object's key with other bytes of the same length, slowly.
    String url = "http://deb.example/pool/lie.deb";
    byte[] truth = new byte[2 * (int) MB];
    new Random(1).nextBytes(truth);
    byte[] lie = truth.clone();
    lie[lie.length / 2] ^= 1;
    HttpServer liar = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    liar.createContext(PeerApi.objectPath(ObjectKey.of(CanonicalUrl.parse(url))), exchange -> {
      exchange.sendResponseHeaders(200, lie.length);
      try {
        for (int off = 0; off < lie.length; off += 256 * 1024) {
          exchange.getResponseBody().write(lie, off, Math.min(256 * 1024, lie.length - off));
          exchange.getResponseBody().flush();
          Thread.sleep(50);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    });
    liar.start();
    try {
      CompletableFuture<Long> fetch = b.fetchFromPeer(url, "127.0.0.1", liar.getAddress().getPort(), SECRET,
          Sha256.of(truth)).toCompletionStage().toCompletableFuture();
      // A local client joins the download while it is under way.
      CompletableFuture<ProxyClient.Fetched> client = CompletableFuture.supplyAsync(() -> {
        try {
          return new ProxyClient(b.address().port()).get(url);
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      ExecutionException failed = assertThrows(ExecutionException.class, () -> fetch.get(1, TimeUnit.MINUTES));
      assertTrue(failed.getCause().getMessage().contains("SHA-256 mismatch"), failed.getCause().getMessage());
      ExecutionException clientFailed = assertThrows(ExecutionException.class, () -> client.get(1, TimeUnit.MINUTES),
          "a client must never receive the lying peer's body as complete");
      assertTrue(clientFailed.getCause() instanceof IllegalStateException);
      awaitIdle(b);
      assertEquals(0, b.status().storedObjects());
      assertEquals(1, b.status().verificationFailures());
    } finally {
      liar.stop(0);
    }
  }

  @Test
  void streamedWhileFetched_completesOnlyOnceTheDigestIsAnnounced() throws Exception {
    origin.route("/pool/live.deb", OriginServer.body(4 * MB, 53).withRate(4 * MB));
    String url = origin.url("/pool/live.deb");
    Sha256 sha = Sha256.parse(origin.sha256("/pool/live.deb"));
    CompletableFuture<ProxyClient.Fetched> onA = getAsync(a, url);
    awaitUpstreamBytes(a);
    CompletableFuture<Long> streamed = b.streamFromPeer(url, "127.0.0.1", a.peerAddress().port(), SECRET)
        .toCompletionStage().toCompletableFuture();
    CompletableFuture<ProxyClient.Fetched> onB = getAsync(b, url);
    assertEquals(sha.hex(), onA.get(1, TimeUnit.MINUTES).sha256());
    awaitIdle(a);
    // B has had every byte for a while now, but nobody told it what they must hash to.
    Thread.sleep(1_000);
    assertTrue(!streamed.isDone() && !onB.isDone(), "nothing completes on B before the digest is announced");

    b.expectDigest(url, sha);
    assertEquals(4 * MB, streamed.get(30, TimeUnit.SECONDS));
    ProxyClient.Fetched fromB = onB.get(30, TimeUnit.SECONDS);
    assertEquals(sha.hex(), fromB.sha256());
    assertEquals("joined", fromB.cache());
    awaitIdle(b);
    assertEquals(1, b.status().storedObjects());
    assertEquals(1, origin.count("GET", "/pool/live.deb"));
  }

  @Test
  void streamedWhileFetched_wrongDigestAnnounced_discarded() throws Exception {
    origin.route("/pool/live2.deb", OriginServer.body(2 * MB, 54).withRate(4 * MB));
    String url = origin.url("/pool/live2.deb");
    CompletableFuture<ProxyClient.Fetched> onA = getAsync(a, url);
    awaitUpstreamBytes(a);
    CompletableFuture<Long> streamed = b.streamFromPeer(url, "127.0.0.1", a.peerAddress().port(), SECRET)
        .toCompletionStage().toCompletableFuture();
    onA.get(1, TimeUnit.MINUTES);
    b.expectDigest(url, Sha256.of("not the body"));
    ExecutionException failed = assertThrows(ExecutionException.class, () -> streamed.get(30, TimeUnit.SECONDS));
    assertTrue(failed.getCause().getMessage().contains("SHA-256 mismatch"), failed.getCause().getMessage());
    awaitIdle(b);
    assertEquals(0, b.status().storedObjects());
    assertEquals(1, b.status().verificationFailures());
  }

  private static CompletableFuture<ProxyClient.Fetched> getAsync(PotluckNode node, String url) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return new ProxyClient(node.address().port()).get(url);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static void awaitUpstreamBytes(PotluckNode node) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (node.status().upstreamBytes() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  private static void awaitIdle(PotluckNode node) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (node.status().activeFetches() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }
}
