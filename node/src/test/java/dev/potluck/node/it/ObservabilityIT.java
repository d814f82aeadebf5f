package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.scheduler.Rendezvous;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two nodes from the jar on loopback, watched from outside: {@code /metrics} after a known miss, hit
 * and peer transfer must count exactly the bytes that moved; {@code potluck status} and
 * {@code potluck dump}, run as processes, show the cluster and the cache, and fail with a message and
 * exit code 1 when no node (or something else) answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIT {

  private static final long SIZE = 3 * (1 << 20) + 12_345;

  private Path dir;
  private OriginServer origin;
  private NodeProcess a;
  private NodeProcess b;
  private String idA;
  private String idB;
  private String url;

  @BeforeAll
  void startTwoNodes() throws Exception {
    dir = Files.createTempDirectory("potluck-observe-");
    origin = OriginServer.start();
    int clusterA = NodeProcess.freePort();
    int clusterB = NodeProcess.freePort();
    String cluster = "observe-" + Long.toHexString(System.nanoTime());
    a = NodeProcess.start(dir, NodeProcess.freePort(), List.of("-Xmx128m"), args("a", cluster, clusterA, clusterB));
    b = NodeProcess.start(dir, NodeProcess.freePort(), List.of("-Xmx128m"), args("b", cluster, clusterB, clusterA));
    LoopbackClusterIT.awaitWholeView(2, List.of(a, b));
    idA = a.status().getString("nodeId");
    idB = b.status().getString("nodeId");
  }

  private String[] args(String name, String cluster, int port, int seed) throws java.io.IOException {
    List<String> args = new java.util.ArrayList<>(List.of("--cache-dir", dir.resolve(name).toString(), "--bind",
        "127.0.0.1", "--cluster-port", Integer.toString(port), "--peer-port", "0", "--cluster", cluster, "--no-mdns",
        "--seed", "127.0.0.1:" + seed));
    args.addAll(NodeProcess.secretArgs(dir));
    return args.toArray(String[]::new);
  }

  @AfterAll
  void stop() throws Exception {
    for (NodeProcess node : new NodeProcess[] {a, b}) {
      if (node != null) {
        node.close();
      }
    }
    origin.close();
    deleteTree(dir);
  }

  /** Removes what a test wrote under {@code dir}. */
  static void deleteTree(Path dir) throws java.io.IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  @Order(1)
  void metrics_buildInfoAndJvmMeters() throws Exception {
    Map<String, Double> m = scrape(a);
    // The jar and these test classes come from one build: the same build.properties.
    String info = "potluck_build_info{commit=\"" + dev.potluck.node.Version.commit() + "\",java=\""
        + System.getProperty("java.runtime.version") + "\",version=\"" + dev.potluck.node.Version.current() + "\"}";
    assertMetric(m, info, 1);
    for (String name : List.of("jvm_memory_used_bytes{area=\"heap\"", "jvm_gc_", "jvm_threads_live_threads",
        "jvm_classes_loaded_classes", "process_uptime_seconds", "process_cpu_usage", "process_files_open_files")) {
      assertTrue(m.keySet().stream().anyMatch(k -> k.startsWith(name)), name + " in " + m.keySet());
    }
  }

  @Test
  @Order(1)
  void metrics_afterMissHitAndPeerTransfer_countTheBytesThatMoved() throws Exception {
    String path = pathArbitratedBy(idA);
    url = origin.url(path);
    origin.route(path, OriginServer.body(SIZE, 5));

    ProxyClient.Fetched miss = a.client().get(url);
    ObjectsApiIT.awaitIdle(a); // stored: until then a second request would join the fetch rather than hit
    ProxyClient.Fetched hit = a.client().get(url);
    ObjectsApiIT.awaitIdle(a);
    ProxyClient.Fetched peer = b.client().get(url);
    ObjectsApiIT.awaitIdle(b);

    assertEquals(List.of("miss", "hit", "peer"), List.of(miss.cache(), hit.cache(), peer.cache()));
    for (ProxyClient.Fetched f : List.of(miss, hit, peer)) {
      assertEquals(SIZE, f.size());
      assertEquals(origin.sha256(path), f.sha256());
    }
    assertEquals(SIZE, origin.bodyBytesSent(path), "one upstream fetch");
    // A zero-copy send is counted once it has gone out whole, which can be a moment after the reader has it all.
    Map<String, Double> ma = awaitMetric(a, "potluck_served_bytes_total{to=\"peer\"}", SIZE);
    Map<String, Double> mb = scrape(b);
    System.out.printf("[figure] /metrics after a %d-byte miss and hit on node A and a peer transfer to node B:%n"
        + "  A: upstream %s, served to clients %s, to peers %s; B: from peers %s, upstream %s, served to clients %s%n",
        SIZE, ma.get("potluck_upstream_bytes_total"), ma.get("potluck_served_bytes_total{to=\"client\"}"),
        ma.get("potluck_served_bytes_total{to=\"peer\"}"), mb.get("potluck_peer_received_bytes_total"),
        mb.get("potluck_upstream_bytes_total"), mb.get("potluck_served_bytes_total{to=\"client\"}"));

    assertMetric(ma, "potluck_upstream_bytes_total", origin.bodyBytesSent(path));
    assertMetric(ma, "potluck_served_bytes_total{to=\"client\"}", miss.size() + hit.size());
    assertMetric(ma, "potluck_served_bytes_total{to=\"peer\"}", peer.size());
    assertMetric(ma, "potluck_peer_received_bytes_total", 0);
    assertMetric(ma, "potluck_answers_total{disposition=\"miss\"}", 1);
    assertMetric(ma, "potluck_answers_total{disposition=\"hit\"}", 1);
    assertMetric(ma, "potluck_store_objects", 1);
    assertMetric(ma, "potluck_store_bytes", SIZE);
    assertMetric(ma, "potluck_first_byte_seconds_count{source=\"upstream\"}", 1);
    assertMetric(ma, "potluck_cluster_members", 2);
    assertMetric(ma, "potluck_active_fetches", 0);
    assertMetric(ma, "potluck_blocklisted_peers", 0);
    assertMetric(ma, "potluck_verification_failures_total", 0);
    assertTrue(ma.get("potluck_scheduler_decisions_total") >= 1, "A arbitrated B's request");
    assertTrue(ma.get("potluck_scheduler_call_seconds_count") >= 3, "scheduler calls are timed");

    assertMetric(mb, "potluck_peer_received_bytes_total", peer.size());
    assertMetric(mb, "potluck_upstream_bytes_total", 0);
    assertMetric(mb, "potluck_served_bytes_total{to=\"client\"}", peer.size());
    assertMetric(mb, "potluck_served_bytes_total{to=\"peer\"}", 0);
    assertMetric(mb, "potluck_answers_total{disposition=\"peer\"}", 1);
    assertMetric(mb, "potluck_first_byte_seconds_count{source=\"peer\"}", 1);
    assertMetric(mb, "potluck_first_byte_seconds_count{source=\"upstream\"}", 0);
    assertMetric(mb, "potluck_store_bytes", SIZE);
  }

  @Test
  @Order(2)
  void status_asAProcess_tableOfBothMembers_thisNodeMarked() throws Exception {
    NodeProcess.Completed run = NodeProcess.run(dir, "status", "--node", "http://127.0.0.1:" + a.port() + "/");
    System.out.println("[potluck status]\n" + run.output());

    assertEquals(0, run.exitCode(), run.output());
    String out = run.output();
    assertTrue(out.startsWith("node     " + idA + "  (potluck "), out);
    assertTrue(out.contains("\ncluster  '"), out);
    assertTrue(out.contains("', 2 members\n"), out);
    assertTrue(out.contains("\n*  " + idA + "  127.0.0.1:"), out);
    assertTrue(out.contains("\n   " + idB + "  127.0.0.1:"), out);
    assertTrue(out.contains("answers  hit 1, miss 1\n"), out);
  }

  @Test
  @Order(3)
  void dump_asAProcess_listsTheObjectWithDigestAndHolders() throws Exception {
    NodeProcess.Completed run = NodeProcess.run(dir, "dump", "--node", "http://127.0.0.1:" + b.port());
    System.out.println("[potluck dump]\n" + run.output());

    assertEquals(0, run.exitCode(), run.output());
    List<String> rows = run.output().lines().filter(l -> l.endsWith("  " + url)).toList();
    assertEquals(1, rows.size(), run.output());
    assertTrue(rows.get(0).contains("  " + origin.sha256(URI.create(url).getPath()) + "  "), rows.get(0));
    assertTrue(rows.get(0).contains("3.0 MiB"), rows.get(0));
    assertTrue(run.output().contains("\n1 complete object, 3.0 MiB;"), run.output());
  }

  @Test
  @Order(4)
  void statusAndDump_noNodeThere_exit1_withMessage() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    for (String command : List.of("status", "dump")) {
      NodeProcess.Completed run = NodeProcess.run(dir, command, "--node", "http://127.0.0.1:" + port);
      assertEquals(1, run.exitCode(), run.output());
      assertEquals("potluck " + command + ": no Potluck node answers at http://127.0.0.1:" + port
          + " (connection refused); start one with 'potluck node', or give its address with --node URL\n", run.output());
    }
  }

  @Test
  @Order(5)
  void statusAndDump_anotherServerThere_exit1_sayingItIsNoNode() throws Exception {
    String notANode = "http://127.0.0.1:" + origin.port();
    for (String command : List.of("status", "dump")) {
      NodeProcess.Completed run = NodeProcess.run(dir, command, "--node", notANode);
      assertEquals(1, run.exitCode(), run.output());
      assertTrue(run.output().startsWith("potluck " + command + ": " + notANode
          + " does not look like a Potluck node: /api/v1/status answered HTTP 404"), run.output());
    }
  }

  @Test
  @Order(6)
  void status_malformedUrl_exit2() throws Exception {
    NodeProcess.Completed run = NodeProcess.run(dir, "status", "--node", "http//127.0.0.1:7878");
    assertEquals(2, run.exitCode(), run.output());
    assertEquals("potluck: --node: 'http//127.0.0.1:7878' is not a URL; did you mean http://http//127.0.0.1:7878 ?\n",
        run.output());
  }

  // ---- helpers

  /** A package path whose arbiter in the view {A, B} is {@code arbiter}: its holders are then known on it at once. */
  private String pathArbitratedBy(String arbiter) {
    List<NodeId> view = List.of(NodeId.parse(idA), NodeId.parse(idB));
    for (int i = 0; ; i++) {
      String path = "/debian/pool/main/o/observe/observe" + i + "_1.0_all.deb";
      if (Rendezvous.owner(ObjectKey.of(CanonicalUrl.parse(origin.url(path))), view).hex().equals(arbiter)) {
        return path;
      }
    }
  }

  private static void assertMetric(Map<String, Double> metrics, String name, long expected) {
    Double value = metrics.get(name);
    assertEquals((double) expected, value == null ? Double.NaN : value, name + " in " + metrics.keySet());
  }

  private static Map<String, Double> awaitMetric(NodeProcess node, String name, long value) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Map<String, Double> metrics = scrape(node);
    while (metrics.getOrDefault(name, -1.0) != value && System.nanoTime() < deadline) {
      Thread.sleep(50);
      metrics = scrape(node);
    }
    return metrics;
  }

  /** {@code GET /metrics}, as sample name (with labels) to value. */
  static Map<String, Double> scrape(NodeProcess node) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/metrics")).timeout(Duration.ofSeconds(10))
            .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
    Map<String, Double> samples = new LinkedHashMap<>();
    List<String> malformed = new ArrayList<>();
    for (String line : response.body().lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      try {
        samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      } catch (RuntimeException e) {
        malformed.add(line);
      }
    }
    assertEquals(List.of(), malformed, "lines that are not Prometheus samples");
    return samples;
  }

}
