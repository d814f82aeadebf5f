package dev.potluck.node.store;

import dev.potluck.protocol.Sha256;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * What the store knows of an object besides its bytes, kept in a JSON sidecar next to them. Writing the
 * sidecar is the commit: an object without one is not complete.
 *
 * @param url the canonical upstream URL
 * @param size the body's length in bytes
 * @param sha256 the body's digest, computed as the bytes arrived
 * @param contentType upstream's {@code Content-Type}, or null
 * @param etag upstream's {@code ETag}, or null
 * @param lastModified upstream's {@code Last-Modified}, verbatim, or null
 * @param storedAtMillis when the body was stored
 * @param validatedAtMillis when upstream last sent or confirmed this body
 * @param sharing the limits of a published object ({@code potluck publish}), or null for any other
 */
public record ObjectMeta(
    String url,
    long size,
    Sha256 sha256,
    String contentType,
    String etag,
    String lastModified,
    long storedAtMillis,
    long validatedAtMillis,
    Sharing sharing) {

  /** The sidecar format of an object without {@link Sharing}: what stores written before publishing hold. */
  static final int FORMAT = 1;
  /**
   * The sidecar format of a published object. A node that knows only {@link #FORMAT} drops such an
   * object at start rather than share it without its limits.
   */
  static final int FORMAT_SHARING = 2;

  public ObjectMeta {
    if (url == null || url.isEmpty()) {
      throw new IllegalArgumentException("object metadata without a URL");
    }
    if (size < 0) {
      throw new IllegalArgumentException("negative object size " + size);
    }
  }

  /** An object fetched for a client: no sharing limits. */
  public ObjectMeta(String url, long size, Sha256 sha256, String contentType, String etag, String lastModified,
      long storedAtMillis, long validatedAtMillis) {
    this(url, size, sha256, contentType, etag, lastModified, storedAtMillis, validatedAtMillis, null);
  }

  public ObjectMeta withValidation(long validatedAtMillis, String etag, String lastModified) {
    return new ObjectMeta(url, size, sha256, contentType, etag != null ? etag : this.etag,
        lastModified != null ? lastModified : this.lastModified, storedAtMillis, validatedAtMillis, sharing);
  }

  ObjectMeta withSharing(Sharing sharing) {
    return new ObjectMeta(url, size, sha256, contentType, etag, lastModified, storedAtMillis, validatedAtMillis,
        sharing);
  }

  String toJson() {
    JsonObject json = new JsonObject()
        .put("format", sharing == null ? FORMAT : FORMAT_SHARING)
        .put("url", url)
        .put("size", size)
        .put("sha256", sha256.hex())
        .put("storedAt", storedAtMillis)
        .put("validatedAt", validatedAtMillis);
    putIfSet(json, "contentType", contentType);
    putIfSet(json, "etag", etag);
    putIfSet(json, "lastModified", lastModified);
    if (sharing != null) {
      json.put("sharing", new JsonObject()
          .put("publishedAt", sharing.publishedAtMillis())
          .put("maxAge", sharing.maxAgeMillis())
          .put("maxShares", sharing.maxShares())
          .put("shares", sharing.shares()));
    }
    return json.encodePrettily();
  }

  /** @throws IllegalArgumentException naming what is wrong with the sidecar */
  static ObjectMeta fromJson(String text) {
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("sidecar is not JSON: " + e.getMessage());
    }
    try {
      Object format = json.getValue("format");
      if (!(format instanceof Integer f) || (f != FORMAT && f != FORMAT_SHARING)) {
        throw new IllegalArgumentException("unknown sidecar format " + format);
      }
      Sharing sharing = null;
      if ((Integer) format == FORMAT_SHARING) {
        JsonObject limits = json.getJsonObject("sharing");
        if (limits == null) {
          throw new IllegalArgumentException("sidecar of format " + FORMAT_SHARING + " without 'sharing'");
        }
        sharing = new Sharing(limits.getLong("publishedAt", 0L), limits.getLong("maxAge", 0L),
            limits.getInteger("maxShares", -1), limits.getInteger("shares", -1));
      }
      return new ObjectMeta(json.getString("url"), json.getLong("size", -1L), Sha256.parse(json.getString("sha256")),
          json.getString("contentType"), json.getString("etag"), json.getString("lastModified"),
          json.getLong("storedAt", 0L), json.getLong("validatedAt", 0L), sharing);
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("sidecar has a field of the wrong type: " + e.getMessage());
    }
  }

  private static void putIfSet(JsonObject json, String key, String value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
