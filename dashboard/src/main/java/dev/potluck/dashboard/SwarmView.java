package dev.potluck.dashboard;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What the dashboard shows, as {@code GET /api/v1/swarm} and each {@code /api/v1/events} event report
 * it: the view's members, the transfers in flight across the cluster (the relay tree's edges), the
 * objects in this node's cache with their known holders, and the savings over time.
 *
 * @param nodeId this node
 * @param cluster the cluster's name, or null when the node runs alone
 * @param timeMillis when the view was taken
 * @param objectCount every object in this node's cache ({@code objects} may list fewer)
 */
public record SwarmView(String nodeId, String cluster, long timeMillis, List<Member> members,
    List<Transfer> transfers, List<CachedObject> objects, int objectCount, JsonArray history,
    long upstreamBytes, long lanBytes) {

  /** The most objects one view lists, most recently used first. */
  public static final int MAX_OBJECTS = 200;

  public SwarmView {
    members = List.copyOf(members);
    transfers = List.copyOf(transfers);
    objects = List.copyOf(objects.size() > MAX_OBJECTS ? objects.subList(0, MAX_OBJECTS) : objects);
  }

  /**
   * One member of the view. Fields other than the id are null until the member's gossip has arrived.
   *
   * @param address its peer API (host:port)
   * @param cacheBytes bytes in its cache
   * @param upstreamBytes body bytes it took from upstream since it started
   * @param lanBytes body bytes it took from other nodes since it started
   * @param blocklisted why this node never asks that member again (it served wrong bytes), or null
   */
  public record Member(String nodeId, boolean self, String address, String version, Long uptimeSeconds,
      Long cacheBytes, Integer activeUploads, Integer activeDownloads, Long uploadBytesPerSecond,
      Long upstreamBytes, Long lanBytes, String blocklisted) {

    /** A member this node trusts as much as any. */
    public Member(String nodeId, boolean self, String address, String version, Long uptimeSeconds,
        Long cacheBytes, Integer activeUploads, Integer activeDownloads, Long uploadBytesPerSecond,
        Long upstreamBytes, Long lanBytes) {
      this(nodeId, self, address, version, uptimeSeconds, cacheBytes, activeUploads, activeDownloads,
          uploadBytesPerSecond, upstreamBytes, lanBytes, null);
    }

    /** A member whose gossip has not arrived yet. */
    public static Member unreported(String nodeId) {
      return new Member(nodeId, false, null, null, null, null, null, null, null, null, null, null);
    }

    JsonObject toJson() {
      return new JsonObject().put("nodeId", nodeId).put("self", self).put("address", address)
          .put("version", version).put("uptimeSeconds", uptimeSeconds).put("cacheBytes", cacheBytes)
          .put("activeUploads", activeUploads).put("activeDownloads", activeDownloads)
          .put("uploadBytesPerSecond", uploadBytesPerSecond).put("upstreamBytes", upstreamBytes)
          .put("lanBytes", lanBytes).put("blocklisted", blocklisted);
    }
  }

  /**
   * Bytes moving from {@code from} (a node id, or null for upstream) to node {@code to}.
   *
   * @param size the object's length, or -1 while unknown
   */
  public record Transfer(String key, String name, String from, String to, long bytes, long size,
      long bytesPerSecond) {
    JsonObject toJson() {
      return new JsonObject().put("key", key).put("name", name).put("from", from).put("to", to)
          .put("bytes", bytes).put("size", size).put("bytesPerSecond", bytesPerSecond);
    }
  }

  /** An object in this node's cache, and the nodes known to hold it (this one first). */
  public record CachedObject(String key, String url, long size, List<String> holders) {
    public CachedObject {
      holders = List.copyOf(holders);
    }

    JsonObject toJson() {
      return new JsonObject().put("key", key).put("url", url).put("size", size)
          .put("holders", new JsonArray(holders));
    }
  }

  /** The documented JSON shape (see docs/api.md). */
  public JsonObject toJson() {
    JsonArray memberJson = new JsonArray();
    members.forEach(m -> memberJson.add(m.toJson()));
    JsonArray transferJson = new JsonArray();
    transfers.forEach(t -> transferJson.add(t.toJson()));
    JsonArray objectJson = new JsonArray();
    objects.forEach(o -> objectJson.add(o.toJson()));
    return new JsonObject()
        .put("nodeId", nodeId)
        .put("cluster", cluster)
        .put("time", timeMillis)
        .put("members", memberJson)
        .put("transfers", transferJson)
        .put("objects", objectJson)
        .put("objectCount", objectCount)
        .put("savings", new JsonObject()
            .put("upstreamBytes", upstreamBytes)
            .put("lanBytes", lanBytes)
            .put("history", history));
  }
}
