package dev.potluck.node.http;

import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.cache.Source;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer listener's handler: other nodes fetch objects here by key, complete or still arriving,
 * with Range. Nothing is ever looked up by path, nothing is fetched on a peer's behalf, and with a
 * cluster secret a request without the right token is refused.
 */
public final class PeerFront implements Handler<HttpServerRequest> {

  private static final Logger log = LoggerFactory.getLogger(PeerFront.class);

  private final LocalCache cache;
  private final ObjectResponder responder;
  private final byte[] secret;

  public PeerFront(Vertx vertx, LocalCache cache, long stallTimeoutMillis, byte[] secret) {
    this.cache = cache;
    this.responder = new ObjectResponder(vertx, stallTimeoutMillis);
    this.secret = secret == null ? null : secret.clone();
  }

  @Override
  public void handle(HttpServerRequest request) {
    String remote = request.remoteAddress() == null ? "?" : request.remoteAddress().hostAddress();
    log.debug("peer {} {} {}", remote, request.method(), request.uri());
    HttpMethod method = request.method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
      Errors.send(request, 405, "the peer API serves GET and HEAD only");
      return;
    }
    ObjectKey key = PeerApi.keyOf(request.uri());
    if (key == null) {
      Errors.send(request, 404, "the peer API serves objects by key only: " + PeerApi.OBJECTS_PREFIX + "{64 hex digits}");
      return;
    }
    if (secret != null && !PeerApi.tokenMatches(secret, method.name(), request.uri(),
        request.getHeader(PeerApi.TOKEN_HEADER))) {
      log.warn("refused peer request from {}: missing or wrong cluster token", remote);
      Errors.send(request, 403, "this cluster needs a token made with its secret");
      return;
    }
    Source source = cache.peek(key);
    if (source == null) {
      Errors.send(request, 404, "this node does not hold " + key.id());
      return;
    }
    if (source instanceof Source.Stored stored) {
      request.response()
          .putHeader(PeerApi.SIZE_HEADER, Long.toString(stored.object().size()))
          .putHeader(PeerApi.SHA256_HEADER, stored.object().meta().sha256().hex());
    }
    responder.respond(request, source);
  }
}
