package dev.potluck.node.upstream;

import dev.potluck.node.config.Mirror;
import dev.potluck.protocol.CanonicalUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The internet side: plain HTTP(S) requests to origin servers. Redirects are followed; bodies are never
 * decompressed (the bytes stored must be the bytes upstream serves); no {@code Accept-Encoding} is
 * sent, so every client gets the same representation. A URL under a mirror with fallbacks is asked of
 * the next upstream when one fails: no answer, a 5xx, or a 404 or 410 (a mirror out of date).
 */
public final class Upstream {

  private static final Logger log = LoggerFactory.getLogger(Upstream.class);

  /** Connections per origin: apt pipelines up to 10 requests, and parallel fetches keep the WAN busy. */
  public static final int DEFAULT_CONNECTIONS_PER_HOST = 8;

  private static final String USER_AGENT = "Potluck/" + Upstream.class.getPackage().getImplementationVersion();

  /** Seconds an idle pooled connection is kept, for upstreams and peers alike. */
  static final int KEEP_ALIVE_SECONDS = 10;

  private final HttpClientAgent client;
  private final long timeoutMillis;
  private final List<Mirror> mirrors;

  public Upstream(Vertx vertx, Duration timeout) {
    this(vertx, timeout, List.of());
  }

  /** With {@code mirrors}, whose fallbacks are tried in turn for the URLs under their bases. */
  public Upstream(Vertx vertx, Duration timeout, List<Mirror> mirrors) {
    this.timeoutMillis = timeout.toMillis();
    this.mirrors = List.copyOf(mirrors);
    HttpClientOptions options = new HttpClientOptions()
        .setDecompressionSupported(false)
        .setKeepAlive(true)
        // Idle pooled connections close before a node's listeners close them (no request head within
        // 20 s), so that a request never goes out on a connection the other end is closing.
        .setKeepAliveTimeout(KEEP_ALIVE_SECONDS)
        .setMaxRedirects(8)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
        .setTrustAll(false)
        .setVerifyHost(true);
    this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(DEFAULT_CONNECTIONS_PER_HOST));
  }

  /**
   * Sends {@code method} for {@code url}, conditionally when {@code validators} are given. The response
   * comes back paused, so the caller can attach handlers after any asynchronous set-up.
   */
  public Future<HttpClientResponse> send(HttpMethod method, CanonicalUrl url, Validators validators, String userAgent) {
    return send(method, url, validators, userAgent, java.util.Map.of());
  }

  /** As above, with extra request headers. */
  public Future<HttpClientResponse> send(HttpMethod method, CanonicalUrl url, Validators validators, String userAgent,
      java.util.Map<String, String> headers) {
    for (Mirror mirror : mirrors) {
      List<CanonicalUrl> fallbacks = mirror.fallbacksFor(url);
      if (!fallbacks.isEmpty()) {
        return sendFallingBack(method, url, fallbacks, 0, validators, userAgent, headers);
      }
    }
    return send(method, url, validators, userAgent, headers, true);
  }

  /** Sends to {@code url}; on a failure worth another upstream, to {@code fallbacks.get(next)}, and so on. */
  private Future<HttpClientResponse> sendFallingBack(HttpMethod method, CanonicalUrl url, List<CanonicalUrl> fallbacks,
      int next, Validators validators, String userAgent, java.util.Map<String, String> headers) {
    Future<HttpClientResponse> answer = send(method, url, validators, userAgent, headers, true);
    if (next == fallbacks.size()) {
      return answer;
    }
    return answer.transform(ar -> {
      String why;
      if (ar.failed()) {
        why = ar.cause().getMessage();
      } else if (worthAnother(ar.result().statusCode())) {
        why = "answered " + ar.result().statusCode();
        // Its body is an error page nobody reads: drop the connection rather than drain it.
        ar.result().request().reset();
      } else {
        return Future.succeededFuture(ar.result());
      }
      CanonicalUrl other = fallbacks.get(next);
      log.info("{} {} ({}); asking the next upstream of its mirror: {}", method, url, why, other);
      return sendFallingBack(method, other, fallbacks, next + 1, validators, userAgent, headers);
    });
  }

  private static boolean worthAnother(int status) {
    return status == 404 || status == 410 || status >= 500;
  }

  /**
   * Sends {@code method} to another node's peer API. Redirects are never followed: a member answering
   * 302 must not make this node connect wherever it points (its own loopback services, say).
   */
  public Future<HttpClientResponse> sendToPeer(HttpMethod method, CanonicalUrl url, java.util.Map<String, String> headers) {
    return send(method, url, Validators.NONE, null, headers, false);
  }

  private Future<HttpClientResponse> send(HttpMethod method, CanonicalUrl url, Validators validators, String userAgent,
      java.util.Map<String, String> headers, boolean followRedirects) {
    RequestOptions options = new RequestOptions()
        .setMethod(method)
        .setAbsoluteURI(url.toString())
        .setFollowRedirects(followRedirects)
        .setConnectTimeout(timeoutMillis)
        .setIdleTimeout(timeoutMillis)
        .putHeader(HttpHeaders.USER_AGENT, userAgent == null ? USER_AGENT : USER_AGENT + " " + userAgent);
    headers.forEach(options::putHeader);
    if (validators.etag() != null) {
      options.putHeader(HttpHeaders.IF_NONE_MATCH, validators.etag());
    }
    if (validators.lastModified() != null) {
      options.putHeader(HttpHeaders.IF_MODIFIED_SINCE, validators.lastModified());
    }
    return client.request(options)
        .compose(request -> request.send())
        .map(response -> {
          response.pause();
          return response;
        })
        .recover(cause -> Future.failedFuture(UpstreamFailure.of(url, cause)));
  }

  public Future<Void> close() {
    return client.shutdown(0, java.util.concurrent.TimeUnit.MILLISECONDS);
  }
}
