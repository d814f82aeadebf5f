package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.Sha256;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Passim-style publishing between two nodes, each its own JVM from the jar, in one open cluster on
 * loopback: {@code potluck publish} on A, {@code GET /sha256/<hex>} on B (taken from A as a peer, checked
 * against the name), A's max share count and max age, and {@code potluck unpublish}.
 *
 * <p>As with Passim, only the host that published a file offers it: B keeps the copy it took for its
 * own clients (they get it as a hit, even after A unpublishes), but never offers it to the LAN.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PublishIT {

  private static final Pattern SHA = Pattern.compile("(?m)^sha256 ([0-9a-f]{64})$");

  private Path dir;
  private NodeProcess a;
  private NodeProcess b;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  record Got(int status, String cache, byte[] body) {
    String text() {
      return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @BeforeAll
  void startTwoNodes() throws Exception {
    dir = Files.createTempDirectory("potluck-publish-");
    int clusterA = NodeProcess.freePort();
    int clusterB = NodeProcess.freePort();
    String cluster = "publish-" + Long.toHexString(System.nanoTime());
    a = NodeProcess.start(dir, NodeProcess.freePort(), List.of("-Xmx192m"), args("a", cluster, clusterA, clusterB));
    b = NodeProcess.start(dir, NodeProcess.freePort(), List.of("-Xmx192m"), args("b", cluster, clusterB, clusterA));
    LoopbackClusterIT.awaitWholeView(2, List.of(a, b));
  }

  private String[] args(String name, String cluster, int port, int seed) {
    return new String[] {"--cache-dir", dir.resolve(name).toString(), "--bind", "127.0.0.1", "--no-mdns",
        "--cluster-port", Integer.toString(port), "--peer-port", "0", "--cluster", cluster,
        "--seed", "127.0.0.1:" + seed};
  }

  @AfterAll
  void stop() throws Exception {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @Test
  @Order(1)
  void publishOnA_getOnB_theExactBytes_fromA_untilMaxShares() throws Exception {
    byte[] content = random(3 << 20, 1);
    Path file = Files.write(dir.resolve("firmware.bin"), content);

    NodeProcess.Completed published = cli("publish", "--node", url(a), "--max-shares", "2", file.toString());
    assertEquals(0, published.exitCode(), published.output());
    String hex = hexIn(published.output());
    assertEquals(Sha256.of(content).hex(), hex);
    assertTrue(published.output().contains("url    " + url(a) + "/sha256/" + hex), published.output());
    // The node keeps its own copy: what happens to the file now does not reach the LAN.
    Files.write(file, random(3 << 20, 2));

    Got first = get(b, hex);
    assertEquals(200, first.status(), first.text());
    assertEquals("peer", first.cache());
    assertArrayEquals(content, first.body());
    assertEquals("hit", get(b, hex).cache(), "B keeps what it took, for its own clients");
    assertEquals(1, shares(a, hex), "one peer served");

    assertEquals(0, cli("purge", "--node", url(b), hex).exitCode());
    Got second = get(b, hex);
    assertEquals("peer", second.cache());
    assertArrayEquals(content, second.body());
    assertEquals(2, shares(a, hex), "two peers served: the most A allows");

    assertEquals(0, cli("purge", "--node", url(b), hex).exitCode());
    Got third = get(b, hex);
    assertEquals(404, third.status(), "A no longer offers it");
    assertTrue(third.text().contains("no node on the LAN shares " + hex), third.text());

    Got onA = get(a, hex);
    assertEquals("hit", onA.cache(), "A's own clients still get it");
    assertArrayEquals(content, onA.body());
    NodeProcess.Completed dump = cli("dump", "--node", url(a));
    assertTrue(dump.output().matches("(?s).*1d\\s+2/2\\s+" + hex + "\\s+http://sha256\\.potluck\\.invalid/sha256/" + hex
        + "\n.*"), dump.output());
  }

  @Test
  @Order(2)
  void unpublish_stopsSharing_andDropsA_sCopy_whileB_keepsItsOwn() throws Exception {
    byte[] content = random(200_000, 3);
    Path file = Files.write(dir.resolve("metadata.xml.zst"), content);
    NodeProcess.Completed published = cli("publish", "--node", url(a), "--max-shares", "0", file.toString());
    assertEquals(0, published.exitCode(), published.output());
    String hex = hexIn(published.output());
    assertEquals("peer", get(b, hex).cache());

    NodeProcess.Completed unpublished = cli("unpublish", "--node", url(a), file.toString());
    assertEquals(0, unpublished.exitCode(), unpublished.output());
    assertEquals("unpublished " + hex + "\n", unpublished.output());

    Got onB = get(b, hex);
    assertEquals("hit", onB.cache(), "B's own copy serves B's clients, as a Passim client keeps what it downloaded");
    assertArrayEquals(content, onB.body());
    Got onA = get(a, hex);
    assertEquals(404, onA.status(), "A dropped its copy, and B does not share the one it took for itself");

    assertEquals(0, cli("purge", "--node", url(b), hex).exitCode());
    assertEquals(404, get(b, hex).status(), "with B's own copy gone, nobody on the LAN has it");

    NodeProcess.Completed again = cli("unpublish", "--node", url(a), hex);
    assertEquals(0, again.exitCode());
    assertEquals(hex + " was not published on this node\n", again.output());
  }

  @Test
  @Order(3)
  void maxAge_passed_AStopsSharingAndDropsIt() throws Exception {
    byte[] content = random(50_000, 4);
    Path file = Files.write(dir.resolve("short-lived.json"), content);
    NodeProcess.Completed published = cli("publish", "--node", url(a), "--max-age", "4s", file.toString());
    assertEquals(0, published.exitCode(), published.output());
    String hex = hexIn(published.output());
    assertEquals("peer", get(b, hex).cache());

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (shares(a, hex) >= 0) {
      assertTrue(System.nanoTime() < deadline, "A still holds " + hex + " 30 s after publishing it for 4 s");
      Thread.sleep(250);
    }
    assertEquals(404, get(a, hex).status());
    assertEquals(0, cli("purge", "--node", url(b), hex).exitCode());
    assertEquals(404, get(b, hex).status());
  }

  @Test
  @Order(4)
  void badNames_400() throws Exception {
    Got bad = get(b, "not-a-digest");
    assertEquals(400, bad.status());
    assertEquals("potluck: 'not-a-digest' is not a SHA-256: /sha256/ takes 64 hex digits, as 'potluck publish' prints"
        + " them\n", bad.text());
    assertEquals(400, get(b, "ab".repeat(31)).status(), "62 digits");
    Got unknown = get(b, "ab".repeat(32));
    assertEquals(404, unknown.status());
    assertTrue(unknown.text().contains("has no upstream"), unknown.text());
  }

  // ---- helpers

  private NodeProcess.Completed cli(String... args) throws Exception {
    return NodeProcess.run(dir, args);
  }

  private static String url(NodeProcess node) {
    return "http://127.0.0.1:" + node.port();
  }

  private static String hexIn(String output) {
    Matcher m = SHA.matcher(output);
    assertTrue(m.find(), output);
    return m.group(1);
  }

  private Got get(NodeProcess node, String hex) throws Exception {
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url(node) + "/sha256/" + hex))
        .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Got(response.statusCode(), response.headers().firstValue("X-Potluck-Cache").orElse(null),
        response.body());
  }

  /** How many times {@code node} served its published {@code hex} to peers; -1 when it does not hold it. */
  private int shares(NodeProcess node, String hex) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url(node) + "/api/v1/objects"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    JsonArray objects = new JsonObject(response.body()).getJsonArray("objects");
    for (int i = 0; i < objects.size(); i++) {
      JsonObject o = objects.getJsonObject(i);
      if (hex.equals(o.getString("key"))) {
        return o.getJsonObject("sharing").getInteger("shares");
      }
    }
    return -1;
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
