package dev.potluck.bench.harness;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal HTTP/1.1 client on one keep-alive connection, for load where client overhead must stay low:
 * bodies are read into one direct buffer with no copy to the heap (unless digested) and no per-request
 * allocation beyond the header parse. Only {@code Content-Length} bodies are supported (no chunked
 * encoding); that is what both nginx and the node send for complete files.
 *
 * <p>Each request is bounded by the timeout given at connect: a watchdog closes the channel if the
 * response has not been fully read by then, and the request fails.
 */
public final class RawHttpClient implements Closeable {

  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "raw-http-watchdog");
    t.setDaemon(true);
    return t;
  });
  private static final int BUFFER = 256 * 1024;

  private final SocketChannel channel;
  private final Duration timeout;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
  private boolean reusable = true;

  /** One response: status, lower-cased headers, body length and digest, and when it arrived. */
  public record Response(int status, Map<String, String> headers, long bodyBytes, String sha256, long headNanos,
      long totalNanos) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private RawHttpClient(SocketChannel channel, Duration timeout) {
    this.channel = channel;
    this.timeout = timeout;
  }

  public static RawHttpClient connect(InetSocketAddress address, Duration requestTimeout) throws IOException {
    SocketChannel channel = SocketChannel.open();
    try {
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis()));
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    return new RawHttpClient(channel, requestTimeout);
  }

  /**
   * GET {@code target} (a path, or an absolute URL when talking to a proxy).
   *
   * @param digest compute the body's SHA-256
   * @param progress if not null, incremented by every body byte as it arrives
   */
  public Response get(String target, String host, boolean digest, AtomicLong progress) throws IOException {
    return exchange("GET", target, host, digest, progress);
  }

  public Response head(String target, String host) throws IOException {
    return exchange("HEAD", target, host, false, null);
  }

  private Response exchange(String method, String target, String host, boolean digest, AtomicLong progress)
      throws IOException {
    if (!reusable) {
      throw new IOException("the connection was closed by the server after the previous response");
    }
    ScheduledFuture<?> guard = WATCHDOG.schedule(this::closeQuietly, timeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      long start = System.nanoTime();
      byte[] request = (method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: potluck-bench\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1);
      ByteBuffer out = ByteBuffer.wrap(request);
      while (out.hasRemaining()) {
        channel.write(out);
      }
      buffer.clear();
      int headerEnd = readHead();
      long headNanos = System.nanoTime() - start;
      Map<String, String> headers = new HashMap<>();
      int status = parseHead(headerEnd, headers);
      if ("close".equalsIgnoreCase(headers.get("connection"))) {
        reusable = false;
      }
      if (headers.containsKey("transfer-encoding")) {
        throw new IOException("chunked responses are not supported (" + headers.get("transfer-encoding") + ")");
      }
      long length = 0;
      if (!method.equals("HEAD") && status != 204 && status != 304) {
        String declared = headers.get("content-length");
        if (declared == null) {
          throw new IOException(method + " " + target + ": response " + status + " has no Content-Length");
        }
        length = Long.parseLong(declared.trim());
      }
      MessageDigest md = digest ? Digests.sha256() : null;
      // Body bytes that arrived with the head.
      buffer.flip();
      buffer.position(headerEnd);
      long read = consume(md, progress, length);
      while (read < length) {
        buffer.clear();
        long want = length - read;
        if (want < buffer.capacity()) {
          buffer.limit((int) want);
        }
        int n = channel.read(buffer);
        if (n < 0) {
          throw new EOFException(method + " " + target + ": connection closed after " + read + " of " + length + " body bytes");
        }
        buffer.flip();
        read += consume(md, progress, length - read);
      }
      long total = System.nanoTime() - start;
      return new Response(status, headers, read, md == null ? null : Digests.hex(md.digest()), headNanos, total);
    } catch (ClosedChannelException e) {
      reusable = false;
      throw new IOException(method + " " + target + ": no complete response within " + timeout
          + " (the connection was closed)", e);
    } catch (IOException | RuntimeException e) {
      reusable = false;
      throw e;
    } finally {
      guard.cancel(false);
    }
  }

  /** Consumes up to {@code max} bytes from the buffer's remaining content; returns how many. */
  private int consume(MessageDigest md, AtomicLong progress, long max) throws IOException {
    int n = buffer.remaining();
    if (n > max) {
      throw new IOException("the server sent more bytes than its Content-Length");
    }
    if (md != null) {
      md.update(buffer);
    } else {
      buffer.position(buffer.limit());
    }
    if (progress != null) {
      progress.addAndGet(n);
    }
    return n;
  }

  /** Reads until the end of the response head; returns the index just past its blank line. */
  private int readHead() throws IOException {
    int scanned = 0;
    while (true) {
      for (int i = Math.max(0, scanned - 3); i + 3 < buffer.position(); i++) {
        if (buffer.get(i) == '\r' && buffer.get(i + 1) == '\n' && buffer.get(i + 2) == '\r' && buffer.get(i + 3) == '\n') {
          return i + 4;
        }
      }
      scanned = buffer.position();
      if (!buffer.hasRemaining()) {
        throw new IOException("response head larger than " + BUFFER + " bytes");
      }
      if (channel.read(buffer) < 0) {
        throw new EOFException("connection closed before a complete response head");
      }
    }
  }

  private int parseHead(int headerEnd, Map<String, String> headers) throws IOException {
    byte[] head = new byte[headerEnd];
    for (int i = 0; i < headerEnd; i++) {
      head[i] = buffer.get(i);
    }
    String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x status line: " + lines[0]);
    }
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    try {
      return Integer.parseInt(statusLine[1]);
    } catch (NumberFormatException e) {
      throw new IOException("bad status line: " + lines[0]);
    }
  }

  private void closeQuietly() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing to abort: nothing more to do
    }
  }

  @Override
  public void close() {
    closeQuietly();
  }
}
