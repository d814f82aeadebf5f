package dev.potluck.node.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 by hand on plain sockets, for tests that need exact control of what goes on a connection
 * (thousands of them held open, half-written heads, pipelining), and what a process costs.
 */
final class RawHttp {

  private RawHttp() {}

  /** A response read whole: status, headers in lower case, the body's length and SHA-256. */
  record Response(int status, Map<String, String> headers, long length, String sha256) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** Reads one response (Content-Length or chunked), digesting its body. */
  static Response read(InputStream in) throws IOException {
    String status = readLine(in);
    if (status == null) {
      throw new IOException("the connection closed before a response");
    }
    Map<String, String> headers = new HashMap<>();
    for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    MessageDigest digest = OriginServer.sha256Digest();
    long length = 0;
    if (headers.containsKey("content-length")) {
      length = Long.parseLong(headers.get("content-length"));
      body(in, length, digest);
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (long chunk = Long.parseLong(readLine(in).split(";")[0].trim(), 16); chunk > 0;
          chunk = Long.parseLong(readLine(in).split(";")[0].trim(), 16)) {
        body(in, chunk, digest);
        length += chunk;
        readLine(in);
      }
      readLine(in);
    }
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, length, HexFormat.of().formatHex(digest.digest()));
  }

  private static void body(InputStream in, long length, MessageDigest digest) throws IOException {
    byte[] buffer = new byte[32 * 1024];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("the body ended after " + (length - left) + " of " + length + " bytes");
      }
      digest.update(buffer, 0, n);
      left -= n;
    }
  }

  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != -1; b = in.read()) {
      if (b == '\n') {
        String text = line.toString(StandardCharsets.US_ASCII);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
  }

  /** A process's peak resident set size so far (VmHWM), in KiB. */
  static long peakRssKib(long pid) throws IOException {
    return statusField(pid, "VmHWM:");
  }

  /** A process's resident set size now (VmRSS), in KiB. */
  static long rssKib(long pid) throws IOException {
    return statusField(pid, "VmRSS:");
  }

  private static long statusField(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + field + " in /proc/" + pid + "/status");
  }

  /** TCP connections in state ESTABLISHED whose local end is {@code port} on this host (IPv4 and IPv6). */
  static int establishedTo(int port) throws IOException {
    int count = 0;
    String hexPort = String.format(":%04X", port);
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      Path file = Path.of(table);
      if (!Files.exists(file)) {
        continue;
      }
      for (String line : Files.readAllLines(file)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("01")) {
          count++;
        }
      }
    }
    return count;
  }
}
