package dev.potluck.dashboard;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * One object in a node's cache, as {@code /api/v1/objects} lists it: complete in the store, or
 * partial (its fetch under way).
 *
 * @param key the object key (SHA-256 of the canonical URL, hex)
 * @param url the canonical upstream URL
 * @param complete whether the whole body is stored and verified
 * @param size the body's length in bytes, or -1 while a partial object's length is unknown
 * @param received body bytes this node has (the size, once complete)
 * @param sha256 the body's digest, or null while partial
 * @param storedAtMillis when it was stored, or when its fetch started while partial (epoch milliseconds)
 * @param lastAccessMillis when it was last served or stored, or -1 while partial
 * @param arbiter the member that arbitrates this key in the current view, or null when the node runs alone
 * @param holders the members known to hold it, when this node is its arbiter; null otherwise
 * @param sharing the limits it is shared within, when it was published on this node; null otherwise
 */
public record CachedObject(String key, String url, boolean complete, long size, long received, String sha256,
    long storedAtMillis, long lastAccessMillis, String arbiter, List<String> holders, Sharing sharing) {

  public CachedObject {
    holders = holders == null ? null : List.copyOf(holders);
  }

  /** An object that was not published on this node. */
  public CachedObject(String key, String url, boolean complete, long size, long received, String sha256,
      long storedAtMillis, long lastAccessMillis, String arbiter, List<String> holders) {
    this(key, url, complete, size, received, sha256, storedAtMillis, lastAccessMillis, arbiter, holders, null);
  }

  /**
   * A published object's limits ({@code potluck publish}).
   *
   * @param maxAgeSeconds how long it is shared after it was published
   * @param expiresAtMillis when that ends and it is dropped (epoch milliseconds)
   * @param shares how many times peers were served it
   * @param maxShares the most times peers may be served it; 0 for no limit
   */
  public record Sharing(long maxAgeSeconds, long expiresAtMillis, int shares, int maxShares) {
    JsonObject toJson() {
      return new JsonObject()
          .put("maxAge", maxAgeSeconds)
          .put("expiresAt", Instant.ofEpochMilli(expiresAtMillis).toString())
          .put("shares", shares)
          .put("maxShares", maxShares);
    }
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("key", key)
        .put("url", url)
        .put("state", complete ? "complete" : "partial")
        .put("size", size < 0 ? null : size)
        .put("received", received)
        .put("sha256", sha256)
        .put(complete ? "storedAt" : "startedAt", Instant.ofEpochMilli(storedAtMillis).toString())
        .put("lastAccess", lastAccessMillis < 0 ? null : Instant.ofEpochMilli(lastAccessMillis).toString())
        .put("arbiter", arbiter)
        .put("holders", holders == null ? null : new JsonArray(List.copyOf(holders)))
        .put("sharing", sharing == null ? null : sharing.toJson());
  }

  /** The documented JSON of {@code /api/v1/objects} (see README, "Objects API"). */
  public static JsonObject toJson(List<CachedObject> objects) {
    JsonArray list = new JsonArray();
    long complete = 0;
    long bytes = 0;
    for (CachedObject o : objects) {
      list.add(o.toJson());
      if (o.complete) {
        complete++;
        bytes += o.size;
      }
    }
    return new JsonObject()
        .put("complete", complete)
        .put("partial", objects.size() - complete)
        .put("bytes", bytes)
        .put("objects", list);
  }
}
