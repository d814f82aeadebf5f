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
 */
public record ObjectMeta(
    String url,
    long size,
    Sha256 sha256,
    String contentType,
    String etag,
    String lastModified,
    long storedAtMillis,
    long validatedAtMillis) {

  static final int FORMAT = 1;

  public ObjectMeta {
    if (url == null || url.isEmpty()) {
      throw new IllegalArgumentException("object metadata without a URL");
    }
    if (size < 0) {
      throw new IllegalArgumentException("negative object size " + size);
    }
  }

  public ObjectMeta withValidation(long validatedAtMillis, String etag, String lastModified) {
    return new ObjectMeta(url, size, sha256, contentType, etag != null ? etag : this.etag,
        lastModified != null ? lastModified : this.lastModified, storedAtMillis, validatedAtMillis);
  }

  String toJson() {
    JsonObject json = new JsonObject()
        .put("format", FORMAT)
        .put("url", url)
        .put("size", size)
        .put("sha256", sha256.hex())
        .put("storedAt", storedAtMillis)
        .put("validatedAt", validatedAtMillis);
    putIfSet(json, "contentType", contentType);
    putIfSet(json, "etag", etag);
    putIfSet(json, "lastModified", lastModified);
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
      if (!(format instanceof Integer f) || f != FORMAT) {
        throw new IllegalArgumentException("unknown sidecar format " + format);
      }
      return new ObjectMeta(json.getString("url"), json.getLong("size", -1L), Sha256.parse(json.getString("sha256")),
          json.getString("contentType"), json.getString("etag"), json.getString("lastModified"),
          json.getLong("storedAt", 0L), json.getLong("validatedAt", 0L));
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
