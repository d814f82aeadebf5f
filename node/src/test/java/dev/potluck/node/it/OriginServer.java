package dev.potluck.node.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP origin on loopback for tests: serves generated, incompressible bodies of any size
 * (computed chunk by chunk, never held in memory) and misbehaves on request — slow, truncated,
 * failing, redirecting. Every request is recorded, so tests can count what crossed the "WAN".
 */
final class OriginServer implements AutoCloseable {

  static final int CHUNK = 64 * 1024;

  /** How one path behaves. Build with {@link #body} and the {@code with*} methods. */
  record Route(long size, long seed, long bytesPerSecond, long truncateAt, int status, String location,
      String lastModified, long headerDelayMillis) {
    Route withRate(long bytesPerSecond) {
      return new Route(size, seed, bytesPerSecond, truncateAt, status, location, lastModified, headerDelayMillis);
    }

    Route truncatedAt(long bytes) {
      return new Route(size, seed, bytesPerSecond, bytes, status, location, lastModified, headerDelayMillis);
    }

    Route withLastModified(String httpDate) {
      return new Route(size, seed, bytesPerSecond, truncateAt, status, location, httpDate, headerDelayMillis);
    }

    Route withHeaderDelay(long millis) {
      return new Route(size, seed, bytesPerSecond, truncateAt, status, location, lastModified, millis);
    }
  }

  record Request(String method, String path, Map<String, List<String>> headers) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  private final HttpServer server;
  private final java.util.concurrent.ConcurrentHashMap<String, Long> pathBytesSent = new java.util.concurrent.ConcurrentHashMap<>();
  private final ThreadLocal<String> currentPath = new ThreadLocal<>();
  /** Routes to restore once their first, cut-off, response has started. */
  private final Map<String, Route> cutOnce = new java.util.concurrent.ConcurrentHashMap<>();
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "origin");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicLong bodyBytesSent = new AtomicLong();

  private OriginServer(HttpServer server) {
    this.server = server;
  }

  static OriginServer start() throws IOException {
    OriginServer origin = new OriginServer(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64));
    origin.server.createContext("/", origin::handle);
    origin.server.setExecutor(origin.executor);
    origin.server.start();
    return origin;
  }

  static Route body(long size, long seed) {
    return new Route(size, seed, 0, -1, 200, null, null, 0);
  }

  static Route status(int status) {
    return new Route(0, 0, 0, -1, status, null, null, 0);
  }

  static Route redirect(String location) {
    return new Route(0, 0, 0, -1, 301, location, null, 0);
  }

  /** Serves {@code path} as {@code route}, but cuts the first response off after {@code bytes}. */
  void routeCutOnce(String path, Route route, long bytes) {
    routes.put(path, route.truncatedAt(bytes));
    cutOnce.put(path, route);
  }

  void route(String path, Route route) {
    routes.put(path, route);
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  int port() {
    return server.getAddress().getPort();
  }

  long count(String method, String path) {
    return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
  }

  List<Request> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  /** Body bytes sent for {@code path}, over all requests. */
  long bodyBytesSent(String path) {
    return pathBytesSent.getOrDefault(path, 0L);
  }

  long bodyBytesSent() {
    return bodyBytesSent.get();
  }

  /** The SHA-256 of the body served at {@code path}, computed the way it is generated. */
  String sha256(String path) {
    Route route = routes.get(path);
    MessageDigest digest = sha256Digest();
    byte[] chunk = new byte[CHUNK];
    for (long offset = 0, index = 0; offset < route.size(); offset += CHUNK, index++) {
      int n = (int) Math.min(CHUNK, route.size() - offset);
      fill(chunk, route.seed(), index);
      digest.update(chunk, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void fill(byte[] chunk, long seed, long index) {
    new SplittableRandom(seed * 1_000_003L + index).nextBytes(chunk);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    String method = exchange.getRequestMethod();
    requests.add(new Request(method, path, Map.copyOf(exchange.getRequestHeaders())));
    Route route = routes.get(path);
    Route whole = cutOnce.remove(path);
    if (whole != null) {
      routes.put(path, whole);
    }
    currentPath.set(path);
    try (exchange) {
      if (route == null) {
        byte[] msg = "not found\n".getBytes();
        exchange.sendResponseHeaders(404, method.equals("HEAD") ? -1 : msg.length);
        if (!method.equals("HEAD")) {
          exchange.getResponseBody().write(msg);
        }
        return;
      }
      if (route.headerDelayMillis() > 0) {
        Thread.sleep(route.headerDelayMillis());
      }
      if (route.location() != null) {
        exchange.getResponseHeaders().set("Location", route.location());
        exchange.sendResponseHeaders(route.status(), -1);
        return;
      }
      if (route.status() != 200) {
        exchange.sendResponseHeaders(route.status(), -1);
        return;
      }
      if (route.lastModified() != null) {
        exchange.getResponseHeaders().set("Last-Modified", route.lastModified());
        String since = exchange.getRequestHeaders().getFirst("If-Modified-Since");
        if (route.lastModified().equals(since)) {
          exchange.sendResponseHeaders(304, -1);
          return;
        }
      }
      exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
      if (method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Content-Length", Long.toString(route.size()));
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      long from = rangeStart(exchange.getRequestHeaders().getFirst("Range"), route.size());
      if (from > 0) {
        exchange.getResponseHeaders().set("Content-Range",
            "bytes " + from + "-" + (route.size() - 1) + "/" + route.size());
        exchange.sendResponseHeaders(206, route.size() - from);
      } else {
        exchange.sendResponseHeaders(200, route.size() == 0 ? -1 : route.size());
      }
      writeBody(exchange.getResponseBody(), route, from);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The client (the node) went away, or a truncation was staged: either way this exchange is over.
    }
  }

  /** The first byte of a {@code bytes=N-} request (the only form nodes send), or 0 for a whole body. */
  private static long rangeStart(String range, long size) {
    if (range == null || !range.startsWith("bytes=") || !range.endsWith("-")) {
      return 0;
    }
    long from = Long.parseLong(range.substring(6, range.length() - 1));
    return from < size ? from : 0;
  }

  private void writeBody(OutputStream out, Route route, long from) throws IOException, InterruptedException {
    byte[] chunk = new byte[CHUNK];
    long limit = route.truncateAt() >= 0 ? route.truncateAt() : route.size();
    long start = System.nanoTime();
    long sent = 0;
    long position = from;
    for (long index = from / CHUNK; position < limit; index++) {
      int skip = (int) (position - index * CHUNK);
      int n = (int) Math.min(CHUNK - skip, limit - position);
      fill(chunk, route.seed(), index);
      out.write(chunk, skip, n);
      position += n;
      sent += n;
      bodyBytesSent.addAndGet(n);
      pathBytesSent.merge(currentPath.get(), (long) n, Long::sum);
      if (route.bytesPerSecond() > 0) {
        long due = start + sent * 1_000_000_000L / route.bytesPerSecond();
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
      }
    }
    if (route.truncateAt() >= 0) {
      out.flush();
      // Closing the exchange with bytes missing makes the JDK server drop the connection.
      throw new IOException("truncated on purpose");
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
