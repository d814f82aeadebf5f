package dev.potluck.node.cli;

import dev.potluck.node.config.ByteSize;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code potluck status} as text: the node, its cache and traffic, then its view of the cluster as a
 * table, this node marked {@code *}. Member loads come from {@code /api/v1/swarm} (the members' gossip)
 * when the node serves it; otherwise the table has what {@code /api/v1/status} knows.
 */
final class StatusReport {

  private static final List<String> ANSWER_ORDER =
      List.of("hit", "peer", "joined", "miss", "revalidated", "stale", "pass");

  private StatusReport() {}

  /**
   * @param status {@code /api/v1/status}
   * @param swarm {@code /api/v1/swarm}, or null when the node does not serve it
   */
  static String render(JsonObject status, JsonObject swarm) {
    StringBuilder out = new StringBuilder();
    String self = status.getString("nodeId");
    out.append("node     ").append(self).append("  (potluck ").append(text(status.getValue("version")))
        .append(", up ").append(duration(number(status, "uptimeSeconds"))).append(")\n");
    out.append("listen   ").append(text(status.getValue("listen"))).append('\n');
    JsonObject store = object(status, "store");
    out.append("cache    ").append(count(number(store, "objects"), "object")).append(", ")
        .append(bytes(number(store, "bytes"))).append(" of ").append(bytes(number(store, "quotaBytes")))
        .append(", ").append(count(number(store, "evictions"), "eviction")).append("; ")
        .append(count(number(status, "activeFetches"), "fetch")).append(" under way\n");
    out.append("answers  ").append(answers(object(status, "answers"))).append('\n');
    JsonObject cluster = status.getJsonObject("cluster");
    JsonObject upstream = object(status, "upstream");
    out.append("traffic  from upstream ").append(bytes(number(upstream, "bytes")));
    if (cluster != null) {
      out.append(", from peers ").append(bytes(number(cluster, "peerBytes")))
          .append(", to peers ").append(bytes(number(cluster, "uploadedBytes")));
    }
    out.append('\n');
    JsonObject imports = object(status, "trust").getValue("imports") instanceof JsonObject j ? j : null;
    if (imports != null) {
      out.append("imports  ").append(count(number(imports, "offered"), "file")).append(" offered to the LAN, ")
          .append(number(imports, "refused")).append(" not");
      JsonObject why = object(imports, "refusedBecause");
      if (!why.isEmpty()) {
        out.append(" (");
        String sep = "";
        for (String reason : why.fieldNames()) {
          out.append(sep).append(number(why, reason)).append(": ").append(reason);
          sep = "; ";
        }
        out.append(')');
      }
      out.append('\n');
    }
    if (cluster == null) {
      out.append("cluster  none: this node runs alone\n");
      return out.toString();
    }
    JsonArray members = cluster.getJsonArray("members", new JsonArray());
    JsonObject blocklisted = cluster.getJsonObject("blocklisted", new JsonObject());
    out.append("cluster  '").append(text(cluster.getValue("name"))).append("', ")
        .append(count(members.size(), "member"))
        .append(Boolean.FALSE.equals(cluster.getValue("share"))
            ? "; this node shares nothing (--no-share): it takes files from peers and serves them none" : "")
        .append("\n\n");

    Map<String, JsonObject> gossip = new LinkedHashMap<>();
    if (swarm != null) {
      for (Object m : swarm.getJsonArray("members", new JsonArray())) {
        if (m instanceof JsonObject member && member.getValue("nodeId") instanceof String id) {
          gossip.put(id, member);
        }
      }
    }
    Table table = new Table("", "NODE", "ADDRESS", "VERSION", ">UP", ">CACHE", ">UPLOADS", ">UPLOAD RATE", ">DOWNLOADS");
    for (Object m : members) {
      if (!(m instanceof JsonObject member)) {
        continue;
      }
      String id = text(member.getValue("nodeId"));
      JsonObject g = gossip.getOrDefault(id, new JsonObject());
      String mark = id.equals(self) ? "*" : blocklisted.containsKey(id) ? "x" : "";
      String address = g.getString("address", member.getString("peerApi"));
      table.row(mark, id, address, g.getString("version"), g.getValue("uptimeSeconds") == null ? null
              : duration(number(g, "uptimeSeconds")), g.getValue("cacheBytes") == null ? null : bytes(number(g, "cacheBytes")),
          integer(g.getValue("activeUploads")),
          g.getValue("uploadBytesPerSecond") == null ? null : bytes(number(g, "uploadBytesPerSecond")) + "/s",
          integer(g.getValue("activeDownloads")));
    }
    out.append(table.render());
    out.append("\n* this node");
    if (!blocklisted.isEmpty()) {
      out.append("; x blocklisted (served bytes that failed verification)");
    }
    if (swarm == null) {
      out.append("; loads are not reported by this node's version");
    }
    out.append('\n');
    return out.toString();
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format("%dm %02ds", seconds / 60, seconds % 60);
    }
    if (seconds < 86_400) {
      return String.format("%dh %02dm", seconds / 3600, seconds % 3600 / 60);
    }
    return String.format("%dd %02dh", seconds / 86_400, seconds % 86_400 / 3600);
  }

  static String bytes(long n) {
    return ByteSize.format(n);
  }

  private static String answers(JsonObject answers) {
    if (answers.isEmpty()) {
      return "none yet";
    }
    // The order of X-Potluck-Cache's values, from the best answer on; names this version does not know last.
    List<String> names = new ArrayList<>(answers.fieldNames());
    names.sort(Comparator.comparingInt((String n) -> ANSWER_ORDER.indexOf(n) < 0 ? ANSWER_ORDER.size()
        : ANSWER_ORDER.indexOf(n)).thenComparing(n -> n));
    StringBuilder out = new StringBuilder();
    for (String name : names) {
      out.append(out.length() == 0 ? "" : ", ").append(name).append(' ').append(text(answers.getValue(name)));
    }
    return out.toString();
  }

  private static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : noun.endsWith("h") ? "es" : "s");
  }

  private static String integer(Object value) {
    return value instanceof Number n ? Long.toString(n.longValue()) : null;
  }

  static long number(JsonObject json, String field) {
    return json.getValue(field) instanceof Number n ? n.longValue() : 0;
  }

  static JsonObject object(JsonObject json, String field) {
    return json.getValue(field) instanceof JsonObject o ? o : new JsonObject();
  }

  static String text(Object value) {
    return value == null ? "-" : value.toString();
  }
}
