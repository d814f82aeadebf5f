package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that pipelines (as apt does: several GETs written at once on one connection) gets its
 * responses in order, while the node fetches every miss of the batch at once instead of one after
 * the other.
 */
class PipelinedRequestsIT {

  private static final List<String> PATHS = List.of("/pool/a_1.0_all.deb", "/pool/b_1.0_all.deb",
      "/pool/c_1.0_all.deb", "/pool/d_1.0_all.deb");

  @TempDir Path cacheDir;
  private OriginServer origin;
  private InProcessNode node;

  @BeforeEach
  void start() throws Exception {
    origin = OriginServer.start();
    node = InProcessNode.start(InProcessNode.config(cacheDir));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    origin.close();
  }

  @Test
  void pipelinedMisses_areFetchedTogether_andAnsweredInOrder() throws Exception {
    // Upstream takes 2 s to answer each request: fetched one after the other, the second request
    // could not reach upstream before the first response has been sent whole.
    for (int i = 0; i < PATHS.size(); i++) {
      origin.route(PATHS.get(i), OriginServer.body(300_000 + i * 50_000L, 40 + i).withHeaderDelay(2_000));
    }
    try (Socket socket = new Socket("127.0.0.1", node.port())) {
      socket.setSoTimeout(60_000);
      StringBuilder batch = new StringBuilder();
      for (String path : PATHS) {
        batch.append("GET ").append(origin.url(path)).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();

      Map<String, String> firstHead = readHead(in);
      // The first response has only begun, and every request of the batch is already upstream.
      for (String path : PATHS) {
        assertEquals(1, origin.count("GET", path), path + " must be asked upstream while the first is answered");
      }
      for (int i = 0; i < PATHS.size(); i++) {
        Map<String, String> head = i == 0 ? firstHead : readHead(in);
        String path = PATHS.get(i);
        assertEquals("200", head.get(":status"), path);
        long length = Long.parseLong(head.get("content-length"));
        assertEquals(300_000 + i * 50_000L, length, "responses come in request order: " + path);
        assertEquals(origin.sha256(path), sha256(in, length), path);
        // Fetched ahead for this request: a miss, or a hit when it was stored whole before its turn.
        assertTrue(Set.of("miss", "hit").contains(head.get("x-potluck-cache")), path + ": " + head.get("x-potluck-cache"));
      }
    }
    for (String path : PATHS) {
      assertEquals(1, origin.count("GET", path), "one upstream fetch each: " + path);
    }
  }

  @Test
  void aFloodOfPipelinedGets_startsAtMostABoundedNumberOfFetches() throws Exception {
    // 100 GETs of objects nobody has, written at once on one connection; upstream holds each answer
    // 3 s, so every fetch the flood starts is still under way when the count is taken.
    int flood = 100;
    List<String> paths = new java.util.ArrayList<>();
    for (int i = 0; i < flood; i++) {
      String path = "/flood/p" + i + ".deb";
      paths.add(path);
      origin.route(path, OriginServer.body(20_000 + i, 1_000 + i).withHeaderDelay(3_000));
    }
    int bound = dev.potluck.node.http.ClientFront.MAX_FETCHED_AHEAD + 1;
    try (Socket socket = new Socket("127.0.0.1", node.port())) {
      socket.setSoTimeout(60_000);
      StringBuilder batch = new StringBuilder();
      for (String path : paths) {
        batch.append("GET ").append(origin.url(path)).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();

      long deadline = System.nanoTime() + 30_000_000_000L;
      while (upstreamGets(paths) < bound && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      // Upstream answers nothing for 3 s: give any further fetch the flood might start 1.5 s to show.
      Thread.sleep(1_500);
      long started = upstreamGets(paths);
      System.out.printf("pipelined flood: %d GETs on one connection started %d upstream fetches (bound %d)%n",
          flood, started, bound);
      assertEquals(bound, started, "the request being answered and " + (bound - 1) + " behind it are fetched, no more");

      // The rest are answered in their turn, quickly now; every answer is whole, right and in order.
      for (String path : paths.subList(bound, flood)) {
        origin.route(path, OriginServer.body(20_000 + paths.indexOf(path), 1_000 + paths.indexOf(path)));
      }
      InputStream in = socket.getInputStream();
      for (int i = 0; i < flood; i++) {
        Map<String, String> head = readHead(in);
        String path = paths.get(i);
        assertEquals("200", head.get(":status"), path);
        long length = Long.parseLong(head.get("content-length"));
        assertEquals(20_000 + i, length, "responses come in request order: " + path);
        assertEquals(origin.sha256(path), sha256(in, length), path);
      }
    }
    for (String path : paths) {
      assertEquals(1, origin.count("GET", path), "one upstream fetch each: " + path);
    }
  }

  private long upstreamGets(List<String> paths) {
    return paths.stream().mapToLong(p -> origin.count("GET", p)).sum();
  }

  /** Reads a response head: status under ":status", header names in lower case. */
  private static Map<String, String> readHead(InputStream in) throws IOException {
    Map<String, String> head = new HashMap<>();
    String status = readLine(in);
    assertNotNull(status, "the connection closed before a response");
    head.put(":status", status.split(" ")[1]);
    for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      head.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    return head;
  }

  private static String readLine(InputStream in) throws IOException {
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

  private static String sha256(InputStream in, long length) throws IOException {
    MessageDigest digest = OriginServer.sha256Digest();
    byte[] buffer = new byte[64 * 1024];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("the body ended after " + (length - left) + " of " + length + " bytes");
      }
      digest.update(buffer, 0, n);
      left -= n;
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
