package dev.potluck.bench.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The upstream origin: a JDK {@code HttpServer} on loopback serving generated objects with
 * {@code Content-Length}.
 *
 * <p>Paths are {@code /t/<size>/<name>} (throttled through the shared WAN {@link TokenBucket}) and
 * {@code /u/<size>/<name>} (unthrottled); the body is {@link Content} seeded by the whole path, so every
 * distinct path is a distinct object. The origin digests what it sends and counts requests per path, so
 * a benchmark can check a client's bytes and that a cached object was fetched upstream only once.
 */
public final class Origin implements AutoCloseable {

  private static final String LAST_MODIFIED =
      DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));

  private final HttpServer server;
  private final ExecutorService pool;
  private final TokenBucket wan;
  private final long wanBytesPerSecond;
  private final Map<String, CompletableFuture<String>> sentDigests = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requestsPerPath = new ConcurrentHashMap<>();
  private final AtomicLong bytesSent = new AtomicLong();

  /**
   * @param wanBytesPerSecond rate of the {@code /t/} paths; 0 or less disables throttling
   */
  public Origin(long wanBytesPerSecond, int threads) throws IOException {
    this.wanBytesPerSecond = wanBytesPerSecond;
    // A burst of a few slices: enough to keep TCP busy, small against any object measured.
    this.wan = wanBytesPerSecond > 0 ? new TokenBucket(wanBytesPerSecond, 4L * Content.CHUNK) : null;
    AtomicInteger threadIds = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "origin-" + threadIds.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** {@code http://127.0.0.1:port} */
  public String baseUrl() {
    return "http://" + address().getAddress().getHostAddress() + ":" + address().getPort();
  }

  public long wanBytesPerSecond() {
    return wanBytesPerSecond;
  }

  /**
   * The SHA-256 (hex) of the complete body sent for {@code path}, waiting up to {@code timeout} for the
   * send to finish (a client can see its last byte a moment before the origin's handler returns).
   */
  public String awaitSentDigest(String path, Duration timeout) throws InterruptedException {
    try {
      return digestOf(path).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the origin never finished sending " + path + " within " + timeout);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  private CompletableFuture<String> digestOf(String path) {
    return sentDigests.computeIfAbsent(path, p -> new CompletableFuture<>());
  }

  public int requests(String path) {
    AtomicInteger n = requestsPerPath.get(path);
    return n == null ? 0 : n.get();
  }

  public long bytesSent() {
    return bytesSent.get();
  }

  /** The path of a throttled ({@code wan}) or unthrottled object of {@code size} bytes named {@code name}. */
  public static String path(boolean wan, long size, String name) {
    return (wan ? "/t/" : "/u/") + size + "/" + name;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String method = exchange.getRequestMethod();
      String[] parts = path.split("/", 4);
      long size;
      try {
        if (parts.length != 4 || !(parts[1].equals("t") || parts[1].equals("u")) || parts[3].isEmpty()) {
          throw new NumberFormatException();
        }
        size = Long.parseLong(parts[2]);
        if (size <= 0) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      requestsPerPath.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      long seed = Content.seedOf(path);
      exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
      exchange.getResponseHeaders().set("ETag", "\"" + Long.toHexString(seed) + "-" + size + "\"");
      exchange.getResponseHeaders().set("Last-Modified", LAST_MODIFIED);
      if (method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Content-Length", Long.toString(size));
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, size);
      MessageDigest digest = Digests.sha256();
      boolean throttled = parts[1].equals("t") && wan != null;
      OutputStream out = exchange.getResponseBody();
      Content.generate(seed, size, (bytes, offset, length) -> {
        if (throttled) {
          wan.acquire(length);
        }
        out.write(bytes, offset, length);
        digest.update(bytes, offset, length);
        bytesSent.addAndGet(length);
      });
      out.close();
      digestOf(path).complete(Digests.hex(digest.digest()));
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
