package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/objects} of a node run from the jar: what it stored, complete, with digest, times and holders. */
class ObjectsApiIT {

  @Test
  void storedObjects_listedWithDigestTimesAndHolders() throws Exception {
    Path dir = Files.createTempDirectory("potluck-objects-");
    try (OriginServer origin = OriginServer.start();
        // With a secret: the origin's files are unsigned, and only then does the cluster track them.
        NodeProcess node = NodeProcess.start(dir, NodeProcess.freePort(), List.of("-Xmx128m"),
            withSecret(dir, "--cache-dir", dir.resolve("cache").toString()))) {
      String older = "/debian/pool/main/a/a/a_1.0_all.deb";
      String newer = "/debian/pool/main/b/b/b_1.0_all.deb";
      origin.route(older, OriginServer.body(300_000, 1));
      origin.route(newer, OriginServer.body(70_000, 2));
      Instant before = Instant.now().minusSeconds(1);
      assertEquals("miss", node.client().get(origin.url(older)).cache());
      assertEquals("miss", node.client().get(origin.url(newer)).cache());
      // Both stored before the hit: a commit counts as a use, and may land after its client has read the body.
      awaitIdle(node);
      assertEquals("hit", node.client().get(origin.url(older)).cache());
      awaitIdle(node);

      JsonObject body = objects(node.port());
      String self = node.status().getString("nodeId");

      assertEquals(2, body.getLong("complete"));
      assertEquals(0, body.getLong("partial"));
      assertEquals(370_000, body.getLong("bytes"));
      JsonArray list = body.getJsonArray("objects");
      // Most recently used first: the older object was hit last.
      JsonObject first = list.getJsonObject(0);
      assertEquals(origin.url(older), first.getString("url"));
      assertEquals(ObjectKey.of(CanonicalUrl.parse(origin.url(older))).id(), first.getString("key"));
      assertEquals("complete", first.getString("state"));
      assertEquals(300_000, first.getLong("size"));
      assertEquals(300_000, first.getLong("received"));
      assertEquals(origin.sha256(older), first.getString("sha256"));
      Instant storedAt = Instant.parse(first.getString("storedAt"));
      Instant lastAccess = Instant.parse(first.getString("lastAccess"));
      assertTrue(storedAt.isAfter(before) && !lastAccess.isBefore(storedAt), storedAt + " then " + lastAccess);
      // Alone in its cluster, the node arbitrates every key and holds what it stored.
      assertEquals(self, first.getString("arbiter"));
      assertEquals(List.of(self), first.getJsonArray("holders").getList());
      JsonObject second = list.getJsonObject(1);
      assertEquals(origin.url(newer), second.getString("url"));
      assertEquals(origin.sha256(newer), second.getString("sha256"));
      assertNotNull(second.getString("lastAccess"));
    } finally {
      ObservabilityIT.deleteTree(dir);
    }
  }

  private static String[] withSecret(Path dir, String... args) throws java.io.IOException {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(NodeProcess.secretArgs(dir));
    return all.toArray(String[]::new);
  }

  static JsonObject objects(int port) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/objects")).timeout(Duration.ofSeconds(10))
            .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(null));
    return new JsonObject(response.body());
  }

  /** Until every fetch is committed: a client can finish reading before the node has stored the object. */
  static void awaitIdle(NodeProcess node) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (node.status().getInteger("activeFetches") > 0) {
      assertTrue(System.nanoTime() < deadline, "fetches still under way after 30 s");
      Thread.sleep(20);
    }
  }
}
