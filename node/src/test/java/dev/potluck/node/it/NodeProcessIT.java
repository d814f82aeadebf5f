package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node as users run it: its own JVM, killed, restarted, stopped, misconfigured. */
class NodeProcessIT {

  private static final long MB = 1L << 20;

  @TempDir Path work;
  private OriginServer origin;

  @BeforeEach
  void start() throws IOException {
    origin = OriginServer.start();
  }

  @AfterEach
  void stop() {
    origin.close();
  }

  @Test
  void restart_keepsTheCache() throws Exception {
    Path cache = work.resolve("cache");
    origin.route("/pool/keep.deb", OriginServer.body(3 * MB, 21));
    int port = NodeProcess.freePort();
    String firstId;
    try (NodeProcess node = NodeProcess.start(work, port, List.of(), "--cache-dir", cache.toString())) {
      firstId = nodeId(port);
      assertEquals("miss", node.client().get(origin.url("/pool/keep.deb")).cache());
      awaitStored(cache, 1);
      assertEquals(143, node.terminate(), "SIGTERM ends the node the way the JVM reports a TERM");
      assertTrue(node.output().contains("stopped"), node.output());
    }
    try (NodeProcess node = NodeProcess.start(work, port, List.of(), "--cache-dir", cache.toString())) {
      ProxyClient.Fetched again = node.client().get(origin.url("/pool/keep.deb"));
      assertEquals("hit", again.cache());
      assertEquals(firstId, nodeId(port), "the node id survives a restart");
      assertEquals(origin.sha256("/pool/keep.deb"), again.sha256());
    }
    assertEquals(1, origin.count("GET", "/pool/keep.deb"));
  }

  @Test
  void killNineMidTransfer_partialNeverServedAsComplete() throws Exception {
    Path cache = work.resolve("cache");
    origin.route("/pool/crash.deb", OriginServer.body(20 * MB, 22).withRate(4 * MB));
    int port = NodeProcess.freePort();
    try (NodeProcess node = NodeProcess.start(work, port, List.of(), "--cache-dir", cache.toString())) {
      CompletableFuture<ProxyClient.Fetched> download = CompletableFuture.supplyAsync(() -> {
        try {
          return node.client().get(origin.url("/pool/crash.deb"));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (origin.bodyBytesSent() < 4 * MB && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(partialBytes(cache) > 0, "the node was writing a partial file when it was killed");
      node.kill();
      assertTrue(download.handle((ok, failed) -> failed != null || ok.size() < 20 * MB).get(30, TimeUnit.SECONDS),
          "the client of a killed node must not receive a complete-looking body");
    }
    try (NodeProcess node = NodeProcess.start(work, port, List.of(), "--cache-dir", cache.toString())) {
      assertEquals(0, partialBytes(cache), "start-up discards partial files");
      origin.route("/pool/crash.deb", OriginServer.body(20 * MB, 22));
      ProxyClient.Fetched fetched = node.client().get(origin.url("/pool/crash.deb"));
      assertEquals("miss", fetched.cache(), "the half-written file was not taken as complete");
      assertEquals(origin.sha256("/pool/crash.deb"), fetched.sha256());
    }
    assertEquals(2, origin.count("GET", "/pool/crash.deb"));
  }

  @Test
  void twoGigabyteObject_streamsThroughASmallHeap() throws Exception {
    long size = 2L << 30;
    origin.route("/pool/huge.deb", OriginServer.body(size, 23));
    try (NodeProcess node = NodeProcess.start(work, NodeProcess.freePort(), List.of("-Xmx128m"),
        "--cache-dir", work.resolve("cache").toString(), "--cache-size", "3G")) {
      ProxyClient.Fetched fetched = node.client().get(origin.url("/pool/huge.deb"));
      assertEquals(200, fetched.status());
      assertEquals(size, fetched.size());
      assertEquals(origin.sha256("/pool/huge.deb"), fetched.sha256());
      long rssKiB = rssKiB(node.pid());
      System.out.printf("[figure] 2 GiB object through a node with -Xmx128m: RSS after the transfer %d MiB%n", rssKiB / 1024);
      assertFalse(node.output().contains("OutOfMemoryError"), node.output());
    }
  }

  @Test
  void badConfiguration_clearErrorAndExitCode2() throws Exception {
    Path config = work.resolve("potluck.conf");
    Files.writeString(config, "# test\nlisten = 127.0.0.1:0\ncache-size = lots\n");
    NodeProcess.Completed bad = NodeProcess.run(work, "node", "--config", config.toString(),
        "--cache-dir", work.resolve("c").toString());
    assertEquals(2, bad.exitCode(), bad.output());
    assertTrue(bad.output().contains("--cache-size: not a size: 'lots'"), bad.output());

    Files.writeString(config, "colour = blue\n");
    NodeProcess.Completed unknown = NodeProcess.run(work, "node", "--config", config.toString());
    assertEquals(2, unknown.exitCode(), unknown.output());
    assertTrue(unknown.output().contains(config + ":1: unknown setting 'colour'"), unknown.output());

    NodeProcess.Completed missing = NodeProcess.run(work, "node", "--config", work.resolve("nope.conf").toString());
    assertEquals(2, missing.exitCode(), missing.output());
    assertTrue(missing.output().contains("config file not found"), missing.output());
  }

  @Test
  void configFile_settingsApplyAndFlagsWin() throws Exception {
    Path config = work.resolve("potluck.conf");
    int port = NodeProcess.freePort();
    Files.writeString(config, "listen = 127.0.0.1:1\ncache-dir = " + work.resolve("from-file") + "\ncache-size = 64M\n");
    try (NodeProcess node = NodeProcess.start(work, port, List.of(), "--config", config.toString())) {
      // --listen given on the command line (by NodeProcess) beats the file's port 1.
      String status = new String(java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body());
      assertTrue(status.contains(work.resolve("from-file").toString()), status);
      assertTrue(status.contains("\"quotaBytes\" : " + (64 * MB)), status);
    }
  }

  @Test
  void help_listsTheOptions() throws Exception {
    NodeProcess.Completed help = NodeProcess.run(work, "node", "--help");
    assertEquals(0, help.exitCode());
    for (String option : List.of("--config", "--listen", "--cache-dir", "--cache-size", "--mirror", "--allow")) {
      assertTrue(help.output().contains(option), option + " missing from:\n" + help.output());
    }
  }

  @Test
  void portInUse_clearError() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      NodeProcess.Completed result = NodeProcess.run(work, "node", "--listen", "127.0.0.1:" + taken.getLocalPort(),
          "--cache-dir", work.resolve("c").toString());
      assertEquals(1, result.exitCode(), result.output());
      assertTrue(result.output().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), result.output());
    }
  }

  private static String nodeId(int port) throws Exception {
    String status = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"nodeId\" : \"([0-9a-f]{32})\"").matcher(status);
    assertTrue(m.find(), status);
    return m.group(1);
  }

  private static long partialBytes(Path cache) throws IOException {
    Path partial = cache.resolve("partial");
    if (!Files.isDirectory(partial)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(partial)) {
      return files.mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void awaitStored(Path cache, int objects) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try (Stream<Path> files = Files.walk(cache.resolve("objects"))) {
        if (files.filter(p -> p.toString().endsWith(".json")).count() >= objects) {
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("object not committed within 30 s");
  }

  private static long rssKiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }
}
