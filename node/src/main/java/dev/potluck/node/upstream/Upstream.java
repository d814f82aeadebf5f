package dev.potluck.node.upstream;

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

/**
 * The internet side: plain HTTP(S) requests to origin servers. Redirects are followed; bodies are never
 * decompressed (the bytes stored must be the bytes upstream serves); no {@code Accept-Encoding} is
 * sent, so every client gets the same representation.
 */
public final class Upstream {

  /** Connections per origin: apt pipelines up to 10 requests, and parallel fetches keep the WAN busy. */
  public static final int DEFAULT_CONNECTIONS_PER_HOST = 8;

  private static final String USER_AGENT = "Potluck/" + Upstream.class.getPackage().getImplementationVersion();

  /** Seconds an idle pooled connection is kept, for upstreams and peers alike. */
  static final int KEEP_ALIVE_SECONDS = 10;

  private final HttpClientAgent client;
  private final long timeoutMillis;

  public Upstream(Vertx vertx, Duration timeout) {
    this.timeoutMillis = timeout.toMillis();
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
    return send(method, url, validators, userAgent, headers, true);
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
