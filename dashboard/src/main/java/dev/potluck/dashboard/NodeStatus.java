package dev.potluck.dashboard;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * What {@code GET /api/v1/status} reports: the node's identity, its store, and what it has done.
 *
 * @param answers requests answered, by how (hit, miss, joined, revalidated, stale, pass)
 * @param verificationFailures bodies from peers discarded because their SHA-256 was not the announced one
 * @param cluster the node's view of its cluster, or null when it runs alone
 * @param trust what the node checks bytes against, or null when not reported
 */
public record NodeStatus(
    String nodeId,
    String version,
    String listen,
    String cacheDir,
    long uptimeSeconds,
    int storedObjects,
    long storedBytes,
    long quotaBytes,
    long evictions,
    int activeFetches,
    Map<String, Long> answers,
    long upstreamRequests,
    long upstreamBytes,
    long upstreamFailures,
    long verificationFailures,
    ClusterStatus cluster,
    TrustStatus trust) {

  public NodeStatus {
    answers = Map.copyOf(answers);
  }

  /** A status without the trust section. */
  public NodeStatus(String nodeId, String version, String listen, String cacheDir, long uptimeSeconds,
      int storedObjects, long storedBytes, long quotaBytes, long evictions, int activeFetches,
      Map<String, Long> answers, long upstreamRequests, long upstreamBytes, long upstreamFailures,
      long verificationFailures, ClusterStatus cluster) {
    this(nodeId, version, listen, cacheDir, uptimeSeconds, storedObjects, storedBytes, quotaBytes, evictions,
        activeFetches, answers, upstreamRequests, upstreamBytes, upstreamFailures, verificationFailures, cluster, null);
  }

  /** The documented JSON shape (see README, "Status API"). */
  public JsonObject toJson() {
    JsonObject answerJson = new JsonObject();
    answers.forEach(answerJson::put);
    return new JsonObject()
        .put("status", "ready")
        .put("nodeId", nodeId)
        .put("version", version)
        .put("listen", listen)
        .put("uptimeSeconds", uptimeSeconds)
        .put("store", new JsonObject()
            .put("dir", cacheDir)
            .put("objects", storedObjects)
            .put("bytes", storedBytes)
            .put("quotaBytes", quotaBytes)
            .put("evictions", evictions))
        .put("activeFetches", activeFetches)
        .put("answers", answerJson)
        .put("upstream", new JsonObject()
            .put("requests", upstreamRequests)
            .put("bytes", upstreamBytes)
            .put("failures", upstreamFailures))
        .put("peers", new JsonObject()
            .put("verificationFailures", verificationFailures))
        .put("cluster", cluster == null ? null : cluster.toJson())
        .put("trust", trust == null ? null : trust.toJson());
  }
}
