package dev.potluck.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwarmViewTest {

  private static final String A = "a".repeat(32);
  private static final String B = "b".repeat(32);

  @Test
  void toJson_hasTheDocumentedShape() {
    SwarmView view = new SwarmView(A, "office", 5_000,
        List.of(new SwarmView.Member(A, true, "10.0.0.5:7879", "0.1.0", 42L, 1000L, 1, 0, 2048L, 700L, 300L),
            new SwarmView.Member(B, false, null, null, null, null, null, null, null, null, null, "served x.deb wrong")),
        List.of(new SwarmView.Transfer("k".repeat(64), "hello.deb", null, A, 10, 100, 5),
            new SwarmView.Transfer("k".repeat(64), "hello.deb", A, B, 4, -1, 2)),
        List.of(new SwarmView.CachedObject("c".repeat(64), "http://h/x.deb", 77, List.of(A, B))),
        1, new JsonArray("[[4000,1,2]]"), 700, 300);

    JsonObject json = view.toJson();

    assertEquals(A, json.getString("nodeId"));
    assertEquals("office", json.getString("cluster"));
    assertEquals(5_000L, json.getLong("time"));
    JsonObject self = json.getJsonArray("members").getJsonObject(0);
    assertEquals(new JsonObject().put("nodeId", A).put("self", true).put("address", "10.0.0.5:7879")
        .put("version", "0.1.0").put("uptimeSeconds", 42L).put("cacheBytes", 1000L).put("activeUploads", 1)
        .put("activeDownloads", 0).put("uploadBytesPerSecond", 2048L).put("upstreamBytes", 700L)
        .put("lanBytes", 300L).putNull("blocklisted"), self);
    JsonObject other = json.getJsonArray("members").getJsonObject(1);
    assertEquals(false, other.getBoolean("self"));
    assertNull(other.getValue("uptimeSeconds"), "unknown until its gossip arrives");
    assertEquals("served x.deb wrong", other.getString("blocklisted"), "the dashboard marks it");
    assertEquals(new JsonObject().put("key", "k".repeat(64)).put("name", "hello.deb").putNull("from").put("to", A)
        .put("bytes", 10L).put("size", 100L).put("bytesPerSecond", 5L), json.getJsonArray("transfers").getJsonObject(0));
    assertEquals(A, json.getJsonArray("transfers").getJsonObject(1).getString("from"));
    assertEquals(new JsonArray(List.of(A, B)), json.getJsonArray("objects").getJsonObject(0).getJsonArray("holders"));
    assertEquals(1, json.getInteger("objectCount"));
    assertEquals(new JsonObject().put("upstreamBytes", 700L).put("lanBytes", 300L)
        .put("history", new JsonArray("[[4000,1,2]]")), json.getJsonObject("savings"));
  }

  @Test
  void objects_areCappedAtTheLimit() {
    List<SwarmView.CachedObject> many = new ArrayList<>();
    for (int i = 0; i < SwarmView.MAX_OBJECTS + 5; i++) {
      many.add(new SwarmView.CachedObject(String.format("%064x", i), "http://h/" + i, i, List.of(A)));
    }
    SwarmView view = new SwarmView(A, null, 0, List.of(), List.of(), many, many.size(), new JsonArray(), 0, 0);
    assertEquals(SwarmView.MAX_OBJECTS, view.toJson().getJsonArray("objects").size());
    assertEquals(SwarmView.MAX_OBJECTS + 5, view.toJson().getInteger("objectCount"));
  }
}
