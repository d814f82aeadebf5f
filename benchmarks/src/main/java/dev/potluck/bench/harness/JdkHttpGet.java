package dev.potluck.bench.harness;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Timed whole GETs with {@code java.net.http}: the body is discarded but counted and digested as it
 * arrives. One instance is one client (one connection pool): direct to the origin, or through a proxy.
 */
public final class JdkHttpGet {

  private final HttpClient client;
  private final Duration timeout;

  /** One whole response: when its head and its last byte arrived, what it was, and its body's digest. */
  public record Result(int status, String cacheHeader, long bodyBytes, String sha256, long headNanos, long totalNanos) {}

  private JdkHttpGet(HttpClient client, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
  }

  public static JdkHttpGet direct(Duration timeout) {
    return new JdkHttpGet(builder().proxy(HttpClient.Builder.NO_PROXY).build(), timeout);
  }

  public static JdkHttpGet viaProxy(InetSocketAddress proxy, Duration timeout) {
    return new JdkHttpGet(builder().proxy(ProxySelector.of(proxy)).build(), timeout);
  }

  private static HttpClient.Builder builder() {
    // HTTP/1.1 only: with the default (HTTP/2) the client would offer an h2c upgrade on plain http.
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5));
  }

  /** GETs {@code uri}; the time runs from just before the request is sent to the body's last byte. */
  public Result get(URI uri) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri).GET().header("User-Agent", "potluck-bench").build();
    long[] headAt = new long[1];
    long start = System.nanoTime();
    CompletableFuture<HttpResponse<Counted>> future = client.sendAsync(request, info -> {
      headAt[0] = System.nanoTime();
      return new CountingSubscriber();
    });
    HttpResponse<Counted> response;
    try {
      response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IOException("GET " + uri + ": no complete response within " + timeout, e);
    } catch (ExecutionException e) {
      throw new IOException("GET " + uri + ": " + e.getCause(), e.getCause());
    }
    long end = System.nanoTime();
    Counted body = response.body();
    return new Result(response.statusCode(), response.headers().firstValue("X-Potluck-Cache").orElse(null),
        body.bytes(), body.sha256(), headAt[0] - start, end - start);
  }

  private record Counted(long bytes, String sha256) {}

  private static final class CountingSubscriber implements HttpResponse.BodySubscriber<Counted> {
    private final CompletableFuture<Counted> result = new CompletableFuture<>();
    private final MessageDigest digest = Digests.sha256();
    private long bytes;

    @Override
    public CompletionStage<Counted> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer b : buffers) {
        bytes += b.remaining();
        digest.update(b);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(new Counted(bytes, Digests.hex(digest.digest())));
    }
  }
}
