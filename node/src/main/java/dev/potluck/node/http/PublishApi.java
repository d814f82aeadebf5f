package dev.potluck.node.http;

import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.trust.ContentNames;
import dev.potluck.protocol.Sha256;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Publishing, Passim-style, for {@code potluck publish} and {@code unpublish}: {@code POST
 * /api/v1/published?max-age=SECONDS&max-shares=N} with a file's bytes as the body stores a copy under
 * its SHA-256 and offers it to the LAN as {@code /sha256/<hex>}; {@code DELETE
 * /api/v1/published/<hex>} stops sharing it and drops it. Answers are JSON. The client front lets
 * loopback clients only reach this (never an {@code --allow} subnet): publishing makes this host serve
 * bytes to the whole LAN. Confined to the node's context.
 */
public final class PublishApi {

  public static final String PATH = "/api/v1/published";

  private final LocalCache cache;

  public PublishApi(LocalCache cache) {
    this.cache = cache;
  }

  /** Whether {@code path} is this API's. */
  static boolean owns(String path) {
    return path.equals(PATH) || path.startsWith(PATH + "/");
  }

  void handle(HttpServerRequest request) {
    String path = request.path();
    if (request.method() == HttpMethod.POST && path.equals(PATH)) {
      publish(request);
    } else if (request.method() == HttpMethod.DELETE && path.startsWith(PATH + "/")) {
      unpublish(request, path.substring(PATH.length() + 1));
    } else {
      request.response().putHeader(HttpHeaders.ALLOW, "POST, DELETE");
      error(request, 405, "publish with POST " + PATH + "?max-age=SECONDS&max-shares=N and the file as the body;"
          + " unpublish with DELETE " + PATH + "/{sha256}");
    }
  }

  private void publish(HttpServerRequest request) {
    long maxAgeSeconds;
    int maxShares;
    try {
      maxAgeSeconds = Long.parseLong(required(request, "max-age"));
      maxShares = Integer.parseInt(required(request, "max-shares"));
    } catch (IllegalArgumentException e) {
      error(request, 400, e instanceof NumberFormatException ? "max-age and max-shares take whole numbers: "
          + e.getMessage() : e.getMessage());
      return;
    }
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    long length;
    try {
      length = declared == null ? -1 : Long.parseLong(declared.trim());
    } catch (NumberFormatException e) {
      length = -1;
    }
    if (length < 0) {
      error(request, 411, "send the file with its Content-Length");
      return;
    }
    if (maxAgeSeconds <= 0 || maxAgeSeconds > Long.MAX_VALUE / 1000) {
      error(request, 400, "max-age must be a number of seconds more than 0, not " + maxAgeSeconds);
      return;
    }
    cache.publish(request, length, maxAgeSeconds * 1000, maxShares).onComplete(ar -> {
      if (ar.succeeded()) {
        StoredObject stored = ar.result();
        var sharing = stored.meta().sharing();
        json(request, 200, new JsonObject()
            .put("sha256", stored.meta().sha256().hex())
            .put("size", stored.size())
            .put("path", "/sha256/" + stored.meta().sha256().hex())
            .put("maxAge", sharing.maxAgeMillis() / 1000)
            .put("maxShares", sharing.maxShares())
            .put("expiresAt", Instant.ofEpochMilli(sharing.expiresAtMillis()).toString()));
      } else if (ar.cause() instanceof IllegalArgumentException) {
        error(request, 400, ar.cause().getMessage());
      } else if (ar.cause() instanceof IllegalStateException) {
        error(request, 507, ar.cause().getMessage());
      } else {
        error(request, 500, "cannot store the file: " + ar.cause().getMessage());
      }
    });
  }

  private void unpublish(HttpServerRequest request, String hex) {
    Sha256 sha256;
    try {
      sha256 = ContentNames.parseLanPath(hex);
    } catch (IllegalArgumentException e) {
      error(request, 400, e.getMessage());
      return;
    }
    cache.purge(new dev.potluck.protocol.ObjectKey(sha256.hex())).onComplete(ar -> {
      if (ar.failed()) {
        error(request, 500, "cannot drop " + sha256 + ": " + ar.cause().getMessage());
      } else {
        json(request, ar.result() ? 200 : 404, new JsonObject().put("sha256", sha256.hex())
            .put("unpublished", ar.result())
            .put("message", ar.result() ? "no longer shared, and dropped from this node's store"
                : "this node does not hold it"));
      }
    });
  }

  private static String required(HttpServerRequest request, String name) {
    String value = request.getParam(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("missing query parameter " + name);
    }
    return value.strip();
  }

  private static void error(HttpServerRequest request, int status, String message) {
    // The body is not read: the connection cannot carry another request after it.
    request.response().putHeader(HttpHeaders.CONNECTION, "close");
    json(request, status, new JsonObject().put("error", message));
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    if (request.response().ended()) {
      return;
    }
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encodePrettily() + "\n");
  }
}
