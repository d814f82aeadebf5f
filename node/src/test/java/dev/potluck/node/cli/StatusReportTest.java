package dev.potluck.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.dashboard.ClusterStatus;
import dev.potluck.dashboard.NodeStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusReportTest {

  private static final String SELF = "3f2a9c0e5b7d41e8a06c2f9b8d1e4a77";
  private static final String OTHER = "9b1e77c2d4a05f3e8c6b2a1d0e9f8c7b";
  private static final String BAD = "0000000000000000000000000000000b";

  @Test
  void render_clusterWithGossip_tableOfMembersSelfMarked() {
    JsonObject swarm = new JsonObject().put("members", new JsonArray()
        .add(member(SELF, "10.0.0.5:7879", 3_725, 48_311_021L, 1, 0, 2_097_152L))
        .add(member(OTHER, "10.0.0.7:7879", 59, 1024L, 0, 2, 0L)));

    String text = StatusReport.render(status(cluster(Map.of())), swarm);

    assertEquals(""
        + "node     3f2a9c0e5b7d41e8a06c2f9b8d1e4a77  (potluck 0.1.0, up 1m 02s)\n"
        + "listen   127.0.0.1:7878\n"
        + "cache    12 objects, 46.1 MiB of 10.0 GiB, 0 evictions; 1 fetch under way\n"
        + "answers  hit 30, miss 12\n"
        + "traffic  from upstream 46.1 MiB, from peers 9.0 MiB, to peers 4.0 MiB\n"
        + "cluster  'potluck', 2 members\n"
        + "\n"
        + "   NODE                              ADDRESS        VERSION      UP     CACHE  UPLOADS  UPLOAD RATE  DOWNLOADS\n"
        + "*  3f2a9c0e5b7d41e8a06c2f9b8d1e4a77  10.0.0.5:7879  0.1.0    1h 02m  46.1 MiB        1    2.0 MiB/s          0\n"
        + "   9b1e77c2d4a05f3e8c6b2a1d0e9f8c7b  10.0.0.7:7879  0.1.0       59s   1.0 KiB        0        0 B/s          2\n"
        + "\n"
        + "* this node\n", text);
  }

  @Test
  void render_withoutGossip_addressesFromStatus_loadsUnknown() {
    String text = StatusReport.render(status(cluster(Map.of())), null);

    assertTrue(text.contains("*  " + SELF + "  10.0.0.5:7879  -         -      -        -            -          -\n"), text);
    assertTrue(text.contains("   " + OTHER + "  -              -         -      -        -            -          -\n"), text);
    assertTrue(text.endsWith("* this node; loads are not reported by this node's version\n"), text);
  }

  @Test
  void render_imports_offeredAndRefusedWithWhy() {
    JsonObject status = status(null);
    status.put("trust", new dev.potluck.dashboard.TrustStatus("alone", Map.of(), List.of(),
        new dev.potluck.dashboard.TrustStatus.Imports(List.of("/var/cache/apt/archives"), 412,
            Map.of("a verified package list names it with other bytes", 1,
                "no verified package list this node has lists it", 7))).toJson());

    String text = StatusReport.render(status, null);

    assertTrue(text.contains("imports  412 files offered to the LAN, 8 not (1: a verified package list names it with"
        + " other bytes; 7: no verified package list this node has lists it)\n"), text);
  }

  @Test
  void render_blocklistedMember_markedAndExplained() {
    String text = StatusReport.render(status(cluster(Map.of(BAD, "sha256 mismatch"))), null);

    assertTrue(text.contains("\nx  " + BAD + "  "), text);
    assertTrue(text.contains("x blocklisted (served bytes that failed verification)"), text);
  }

  @Test
  void render_noShare_saidOnTheClusterLine() {
    ClusterStatus sharing = cluster(Map.of());
    ClusterStatus noShare = new ClusterStatus(sharing.name(), sharing.members(), 3, 9L << 20, 0, 0, 41, 44, Map.of(),
        false);

    String text = StatusReport.render(status(noShare), null);

    assertTrue(text.contains("\ncluster  'potluck', 2 members; this node shares nothing (--no-share): it takes files"
        + " from peers and serves them none\n"), text);
    assertTrue(!StatusReport.render(status(sharing), null).contains("shares nothing"));
  }

  @Test
  void render_alone_saysSoAndHasNoTable() {
    String text = StatusReport.render(status(null), null);

    assertTrue(text.endsWith("traffic  from upstream 46.1 MiB\ncluster  none: this node runs alone\n"), text);
  }

  @Test
  void duration_picksTwoUnits() {
    assertEquals("0s", StatusReport.duration(0));
    assertEquals("59s", StatusReport.duration(59));
    assertEquals("1m 00s", StatusReport.duration(60));
    assertEquals("1h 02m", StatusReport.duration(3_725));
    assertEquals("2d 03h", StatusReport.duration(2 * 86_400 + 3 * 3_600 + 59));
  }

  private static JsonObject status(ClusterStatus cluster) {
    Map<String, Long> answers = new LinkedHashMap<>();
    answers.put("hit", 30L);
    answers.put("miss", 12L);
    return new NodeStatus(SELF, "0.1.0", "127.0.0.1:7878", "/var/cache/potluck", 62, 12, 48_311_021L, 10L << 30, 0, 1,
        answers, 12, 48_311_021L, 0, 0, cluster).toJson();
  }

  private static ClusterStatus cluster(Map<String, String> blocklisted) {
    List<ClusterStatus.Member> members = new java.util.ArrayList<>(List.of(
        new ClusterStatus.Member(SELF, true, "10.0.0.5:7879"), new ClusterStatus.Member(OTHER, false, null)));
    blocklisted.keySet().forEach(id -> members.add(new ClusterStatus.Member(id, false, "10.0.0.9:7879")));
    return new ClusterStatus("potluck", members, 3, 9L << 20, 0, 4L << 20, 41, 44, blocklisted, true);
  }

  /** A member as {@code /api/v1/swarm} reports it from the member's gossip. */
  private static JsonObject member(String id, String address, long uptime, long cacheBytes, int uploads, int downloads,
      long rate) {
    return new JsonObject().put("nodeId", id).put("self", id.equals(SELF)).put("address", address)
        .put("version", "0.1.0").put("uptimeSeconds", uptime).put("cacheBytes", cacheBytes)
        .put("activeUploads", uploads).put("activeDownloads", downloads).put("uploadBytesPerSecond", rate);
  }
}
