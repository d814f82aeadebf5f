package dev.potluck.node.apt;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves a folder over HTTP on 127.0.0.1 (GET and HEAD, no listings, no ranges: a range request
 * gets the whole file, which HTTP allows), standing in for a distribution mirror. It logs each
 * request, so a test can count how often a file crossed the "internet link".
 *
 * <p>It also answers proxy-style requests ({@code GET http://any.host/path}) by path, so it can
 * stand in for a proxy too.
 */
public final class StaticFileServer implements AutoCloseable {

  private final Path root;
  private final HttpServer server;
  private final ExecutorService executor;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicLong bytesSent = new AtomicLong();

  /** One request as the server saw it; {@code status} is what it answered. */
  public record Request(String method, String path, int status) {}

  private StaticFileServer(Path root, HttpServer server, ExecutorService executor) {
    this.root = root;
    this.server = server;
    this.executor = executor;
  }

  /** Starts serving {@code root} on an ephemeral port of 127.0.0.1. */
  public static StaticFileServer start(Path root) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // The default executor is the single dispatcher thread: one slow client would stall the rest.
    ExecutorService executor =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "static-file-server");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
    StaticFileServer files =
        new StaticFileServer(root.toAbsolutePath().normalize(), server, executor);
    server.createContext("/", files::handle);
    server.start();
    return files;
  }

  /** The base URL, with a trailing slash: {@code http://127.0.0.1:PORT/}. */
  public String url() {
    return "http://127.0.0.1:" + port() + "/";
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public List<Request> requests() {
    return new ArrayList<>(requests);
  }

  /** How many times {@code path} (e.g. {@code /dists/stable/InRelease}) was asked for. */
  public long requestCount(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).count();
  }

  /** Body bytes written so far, all files together. */
  public long bytesSent() {
    return bytesSent.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      // getPath() is decoded, and for a proxy-style request it drops the scheme and host.
      String path = exchange.getRequestURI().getPath();
      int status = respond(exchange, method, path == null ? "" : path);
      requests.add(new Request(method, path, status));
    }
  }

  private int respond(HttpExchange exchange, String method, String path) throws IOException {
    boolean head = method.equals("HEAD");
    if (!head && !method.equals("GET")) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      exchange.sendResponseHeaders(405, -1);
      return 405;
    }
    if (!path.startsWith("/") || List.of(path.split("/")).contains("..")) {
      exchange.sendResponseHeaders(403, -1);
      return 403;
    }
    Path file = root.resolve(path.substring(1)).normalize();
    if (!file.startsWith(root) || !Files.isRegularFile(file)) {
      exchange.sendResponseHeaders(404, -1);
      return 404;
    }
    long size = Files.size(file);
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    exchange
        .getResponseHeaders()
        .set(
            "Last-Modified",
            DateTimeFormatter.RFC_1123_DATE_TIME.format(
                Files.getLastModifiedTime(file).toInstant().atOffset(ZoneOffset.UTC)));
    if (head) {
      // For HEAD the JDK sends no Content-Length of its own; length -1 means "no body".
      exchange.getResponseHeaders().set("Content-Length", Long.toString(size));
      exchange.sendResponseHeaders(200, -1);
      return 200;
    }
    // A zero-byte file must be announced as -1 ("no body"): 0 would mean chunked.
    exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
    try (OutputStream body = exchange.getResponseBody()) {
      bytesSent.addAndGet(Files.copy(file, body));
    }
    return 200;
  }
}
