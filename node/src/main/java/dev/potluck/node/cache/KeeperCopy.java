package dev.potluck.node.cache;

import dev.potluck.node.upstream.Upstream;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import java.util.HashMap;
import java.util.Map;

/**
 * Asks the LAN's keeper of a mutable metadata URL for its copy: the whole body, bounded, with when
 * upstream last confirmed it. Nothing here is trusted yet; the caller checks the body.
 */
final class KeeperCopy {

  /** The most a metadata copy may hold (Debian's largest InRelease is ~150 KB). */
  static final int MAX_BYTES = 16 << 20;

  /** What the keeper answered. */
  record Body(byte[] bytes, long validatedAtMillis, String contentType, String etag, String lastModified) {}

  /** The keeper does not keep this URL (it never fetched it): the asker fetches it itself. */
  static final class NotKept extends Exception {
    NotKept(String message) {
      super(message, null, false, false);
    }
  }

  private KeeperCopy() {}

  /**
   * @param maxAgeSeconds how old the keeper's copy may be, as the asking client allows
   * @param secret the cluster secret, or null
   */
  static Future<Body> ask(Upstream upstream, MissRouter.Keeper keeper, CanonicalUrl url, long maxAgeSeconds,
      byte[] secret) {
    String path = PeerApi.metadataPath(ObjectKey.of(url));
    CanonicalUrl at = PeerApi.urlOf(keeper.host(), keeper.port(), path);
    Map<String, String> headers = new HashMap<>();
    headers.put(PeerApi.URL_HEADER, url.toString());
    headers.put(PeerApi.MAX_AGE_HEADER, Long.toString(Math.max(0, maxAgeSeconds)));
    if (secret != null) {
      headers.put(PeerApi.TOKEN_HEADER, PeerApi.token(secret, "GET", path));
    }
    return upstream.sendToPeer(HttpMethod.GET, at, headers).compose(response -> read(keeper, response));
  }

  private static Future<Body> read(MissRouter.Keeper keeper, HttpClientResponse response) {
    if (response.statusCode() == 404) {
      response.request().reset();
      return Future.failedFuture(new NotKept(keeper.where() + " does not keep it"));
    }
    if (response.statusCode() != 200) {
      response.request().reset();
      return Future.failedFuture(new java.io.IOException(keeper.where() + " answered " + response.statusCode()));
    }
    long validatedAt;
    long length;
    try {
      validatedAt = Long.parseLong(response.getHeader(PeerApi.VALIDATED_AT_HEADER));
      String declared = response.getHeader(HttpHeaders.CONTENT_LENGTH);
      length = declared == null ? -1 : Long.parseLong(declared);
    } catch (NumberFormatException e) {
      response.request().reset();
      return Future.failedFuture(new java.io.IOException(keeper.where() + " sent no usable "
          + PeerApi.VALIDATED_AT_HEADER + " or Content-Length"));
    }
    if (length > MAX_BYTES) {
      response.request().reset();
      return Future.failedFuture(new java.io.IOException(keeper.where() + " offered " + length
          + " bytes, more than metadata may hold (" + MAX_BYTES + ")"));
    }
    Promise<Body> done = Promise.promise();
    Buffer body = Buffer.buffer();
    response.handler(chunk -> {
      if (body.length() + chunk.length() > MAX_BYTES) {
        done.tryFail(new java.io.IOException(keeper.where() + " sent more than " + MAX_BYTES + " bytes"));
        response.request().reset();
      } else {
        body.appendBuffer(chunk);
      }
    });
    response.exceptionHandler(done::tryFail);
    response.endHandler(v -> {
      if (length >= 0 && body.length() != length) {
        done.tryFail(new java.io.IOException(keeper.where() + " sent " + body.length() + " of " + length + " bytes"));
      } else {
        done.tryComplete(new Body(body.getBytes(), validatedAt, response.getHeader(HttpHeaders.CONTENT_TYPE),
            response.getHeader(HttpHeaders.ETAG), response.getHeader(HttpHeaders.LAST_MODIFIED)));
      }
    });
    response.resume();
    return done.future();
  }
}
