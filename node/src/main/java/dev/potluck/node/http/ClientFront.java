package dev.potluck.node.http;

import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.config.Mirror;
import dev.potluck.node.trust.ContentNames;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.InvalidUrlException;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.freshness.RequestCacheControl;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client listener's front door. Absolute-form requests ({@code GET http://host/path}) are proxy
 * requests; {@code /mirror/{name}/…} maps onto a configured upstream; {@code /sha256/<hex>} is the
 * object with that digest, from this node's store or the LAN (it has no upstream); {@link PublishApi}
 * takes loopback clients' publishing; everything else (the API, the dashboard) goes to {@code local}. {@code CONNECT} opens an uncached tunnel ({@link ConnectTunnel}).
 * Strangers are refused with a message saying why.
 */
public final class ClientFront implements Handler<HttpServerRequest> {

  private static final Logger log = LoggerFactory.getLogger(ClientFront.class);
  /** Off unless the node runs with its access-log option; see {@link #logWhenEnded}. */
  private static final Logger accessLog = LoggerFactory.getLogger("dev.potluck.access");
  private static final String MIRROR_PREFIX = "/mirror/";
  private static final String CONTENT_PREFIX = "/sha256/";

  /**
   * Pipelined GETs waiting on one connection behind the request being answered whose fetches start at
   * once, at most ({@link PipelinedPrefetch}); the rest start in their turn.
   */
  public static final int MAX_FETCHED_AHEAD = 16;

  private final AccessPolicy access;
  private final LocalCache cache;
  private final Map<String, Mirror> mirrors = new HashMap<>();
  private final ObjectResponder responder;
  private final ServedBytes served = new ServedBytes();
  private final Handler<HttpServerRequest> local;
  private final ConnectTunnel tunnel;
  private final PublishApi publishing;

  /**
   * @param channels the client connections' channels (growing bodies are then sent from disk), or null
   */
  public ClientFront(Vertx vertx, AccessPolicy access, LocalCache cache, List<Mirror> mirrors, long stallTimeoutMillis,
      Handler<HttpServerRequest> local, ConnectionChannels channels) {
    this.access = access;
    this.cache = cache;
    this.responder = new ObjectResponder(vertx, stallTimeoutMillis, served, channels);
    this.local = local;
    this.tunnel = new ConnectTunnel(vertx, stallTimeoutMillis);
    this.publishing = new PublishApi(cache);
    mirrors.forEach(m -> this.mirrors.put(m.name(), m));
  }

  /**
   * One line when the response is disposed of: sent whole, or cut short by a closed connection (then
   * the status is the one that was being sent, and the line ends with "aborted").
   */
  private static void logWhenEnded(HttpServerRequest request, String remote) {
    long start = System.nanoTime();
    String method = request.method().name();
    String uri = request.uri();
    var response = request.response();
    response.endHandler(ended -> {
      String cache = response.headers().get("X-Potluck-Cache");
      accessLog.info("{} {} {} {} {} {} {}ms{}", remote, method, uri, response.getStatusCode(), cache == null ? "-" : cache,
          response.bytesWritten(), (System.nanoTime() - start) / 1_000_000, response.ended() ? "" : " aborted");
    });
  }

  /**
   * Object body bytes handed to local clients' connections since the start (error pages and headers
   * not counted). A zero-copy file send counts once it has gone out whole. Call on the node's context.
   */
  public long servedBytes() {
    return served.bytes();
  }

  @Override
  public void handle(HttpServerRequest request) {
    String remote = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    log.debug("{} {} {}", remote, request.method(), request.uri());
    if (accessLog.isInfoEnabled()) {
      logWhenEnded(request, remote);
    }
    if (!access.allows(remote)) {
      log.warn("refused {} {} from {}: not loopback or an allowed subnet", request.method(), request.uri(), remote);
      Errors.send(request, 403, "this node serves loopback and its --allow subnets only; " + remote + " is neither");
      return;
    }
    if (request.method() == HttpMethod.CONNECT) {
      // Nothing inside a TLS tunnel can be cached or shared: https repositories are cached in mirror mode.
      tunnel.open(request, AccessPolicy.isLoopback(remote));
      return;
    }
    String uri = request.uri();
    if (isAbsolute(uri)) {
      serve(request, uri);
    } else if (uri.startsWith(MIRROR_PREFIX)) {
      serveMirror(request, uri.substring(MIRROR_PREFIX.length()));
    } else if (uri.startsWith(CONTENT_PREFIX)) {
      serveContent(request);
    } else if (PublishApi.owns(request.path())) {
      if (!AccessPolicy.isLoopback(remote)) {
        log.warn("refused {} {} from {}: publishing is for clients on this host", request.method(), request.uri(), remote);
        Errors.send(request, 403, "only clients on this host (loopback) may publish or unpublish; " + remote + " is not");
        return;
      }
      publishing.handle(request);
    } else {
      local.handle(request);
    }
  }

  /**
   * Starts the fetch for a GET that waits on its connection behind an earlier request (see
   * {@link PipelinedPrefetch}), when this front would fetch it anyway: from an allowed client, for a
   * proxy or mirror URL of an object not stored yet (its cache-control headers only matter for a
   * stored copy). Anything else is answered in its turn as usual. Call on the node's context.
   */
  void prefetch(String uri, String remote, String userAgent) {
    if (!access.allows(remote)) {
      return;
    }
    CanonicalUrl url;
    try {
      if (isAbsolute(uri)) {
        url = CanonicalUrl.parse(uri);
      } else if (uri.startsWith(MIRROR_PREFIX)) {
        String nameAndRest = uri.substring(MIRROR_PREFIX.length());
        int slash = nameAndRest.indexOf('/');
        Mirror mirror = slash < 0 ? null : mirrors.get(nameAndRest.substring(0, slash));
        if (mirror == null) {
          return;
        }
        url = mirror.resolve(nameAndRest.substring(slash + 1));
      } else {
        return;
      }
    } catch (InvalidUrlException e) {
      return; // answered with its error in its turn
    }
    log.debug("{} pipelined GET {}: fetching ahead", remote, url);
    cache.prefetch(url, userAgent);
  }

  /**
   * Watches a new connection for pipelined requests, to {@link #prefetch} them.
   *
   * @param channel the connection's channel, from {@link ConnectionChannels#channelOf}
   */
  public void connected(HttpConnection connection, io.netty.channel.Channel channel) {
    PipelinedPrefetch.install(connection, channel, this);
  }

  private void serveMirror(HttpServerRequest request, String nameAndRest) {
    int slash = nameAndRest.indexOf('/');
    String name = slash < 0 ? nameAndRest : nameAndRest.substring(0, slash);
    Mirror mirror = mirrors.get(name);
    if (mirror == null) {
      Errors.send(request, 404, "no mirror named '" + name + "'; configured: "
          + (mirrors.isEmpty() ? "none (add one with --mirror NAME=URL)" : String.join(", ", mirrors.keySet())));
      return;
    }
    String rest = slash < 0 ? "" : nameAndRest.substring(slash + 1);
    CanonicalUrl url;
    try {
      url = mirror.resolve(rest);
    } catch (InvalidUrlException e) {
      Errors.send(request, 400, e.getMessage());
      return;
    }
    serve(request, url);
  }

  /** {@code /sha256/<hex>}: the object with that SHA-256, verified against the name wherever it comes from. */
  private void serveContent(HttpServerRequest request) {
    Sha256 sha256;
    try {
      sha256 = ContentNames.parseLanPath(request.path());
    } catch (IllegalArgumentException e) {
      Errors.send(request, 400, e.getMessage());
      return;
    }
    serve(request, ContentNames.lanUrl(sha256));
  }

  private void serve(HttpServerRequest request, String rawUrl) {
    CanonicalUrl url;
    try {
      url = CanonicalUrl.parse(rawUrl);
    } catch (InvalidUrlException e) {
      Errors.send(request, 400, e.getMessage());
      return;
    }
    serve(request, url);
  }

  private void serve(HttpServerRequest request, CanonicalUrl url) {
    HttpMethod method = request.method();
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
      Errors.send(request, 405, method + " is not cached or forwarded; this node serves GET and HEAD");
      return;
    }
    RequestCacheControl cacheControl = RequestCacheControl.parse(
        request.getHeader(HttpHeaders.CACHE_CONTROL), request.getHeader("Pragma"));
    cache.open(url, cacheControl, method == HttpMethod.HEAD, request.getHeader(HttpHeaders.USER_AGENT))
        .onSuccess(source -> responder.respond(request, source))
        .onFailure(cause -> responder.respondFailure(request, cause));
  }

  private static boolean isAbsolute(String uri) {
    return uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8);
  }
}
