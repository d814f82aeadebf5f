package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.PotluckNode;
import dev.potluck.node.config.Mirror;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a node behaves when upstream answers oddly, fails, or is slow; and its Range, HEAD and mirror paths. */
class UpstreamBehaviourIT {

  private static final long MB = 1L << 20;
  private static final String LAST_MODIFIED = "Sat, 21 Nov 2026 10:00:00 GMT";

  @TempDir Path cacheDir;
  private OriginServer origin;
  private InProcessNode node;
  private ProxyClient client;

  @BeforeEach
  void start() throws Exception {
    origin = OriginServer.start();
    node = InProcessNode.start(InProcessNode.config(cacheDir, 1L << 30, Duration.ZERO, Duration.ofSeconds(2),
        List.of(Mirror.parse("origin=" + origin.url("/repo")))));
    client = node.client();
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    origin.close();
  }

  @Test
  void truncatedUpstream_clientSeesAnErrorAndNothingIsCommitted() throws Exception {
    origin.route("/cut.deb", OriginServer.body(4 * MB, 7).truncatedAt(MB));
    assertThrows(IOException.class, () -> client.get(origin.url("/cut.deb")),
        "a short body must reach the client as an error, never as a complete file");
    assertEquals(0, node.node.store().stats().objects());

    origin.route("/cut.deb", OriginServer.body(4 * MB, 7));
    ProxyClient.Fetched retry = client.get(origin.url("/cut.deb"));
    assertEquals("miss", retry.cache(), "the truncated copy must not have been kept");
    assertEquals(origin.sha256("/cut.deb"), retry.sha256());
    // The cut-off fetch asked for the rest twice (Range) before giving up; then the client's retry.
    assertEquals(1 + 2 + 1, origin.count("GET", "/cut.deb"));
  }

  @Test
  void connectionDroppedMidBody_resumedWithRangeAndServedWhole() throws Exception {
    origin.routeCutOnce("/drop.deb", OriginServer.body(4 * MB, 8), MB + 123);
    ProxyClient.Fetched fetched = client.get(origin.url("/drop.deb"));
    assertEquals(200, fetched.status());
    assertEquals("miss", fetched.cache());
    assertEquals(origin.sha256("/drop.deb"), fetched.sha256(), "the client never notices the dropped connection");
    List<OriginServer.Request> requests = origin.requests("/drop.deb");
    assertEquals(2, requests.size());
    assertEquals("bytes=" + (MB + 123) + "-", requests.get(1).header("Range"), "only the rest is asked for");
    assertEquals(4 * MB + 0L, origin.bodyBytesSent("/drop.deb"), "no byte crossed the link twice");
  }

  @Test
  void notFound_passedThroughAndNotCached() throws Exception {
    ProxyClient.Fetched first = client.get(origin.url("/missing.deb"));
    ProxyClient.Fetched second = client.get(origin.url("/missing.deb"));
    assertEquals(404, first.status());
    assertEquals(404, second.status());
    assertEquals(2, origin.count("GET", "/missing.deb"));
    assertEquals(0, node.node.store().stats().objects());
  }

  @Test
  void serverError_becomes502NamingTheUpstream() throws Exception {
    origin.route("/broken.deb", OriginServer.status(503));
    ProxyClient.Fetched fetched = client.get(origin.url("/broken.deb"));
    assertEquals(502, fetched.status());
    assertTrue(bodyOf(origin.url("/broken.deb")).contains("127.0.0.1"), "the message names the upstream");
  }

  @Test
  void refusedConnection_becomes502() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closedPort + "/x.deb";
    ProxyClient.Fetched fetched = client.get(url);
    assertEquals(502, fetched.status());
    String body = bodyOf(url);
    assertTrue(body.contains("cannot connect to upstream 127.0.0.1:" + closedPort), body);
  }

  @Test
  void silentUpstream_becomes504AfterTheTimeout() throws Exception {
    origin.route("/slow.deb", OriginServer.body(1000, 1).withHeaderDelay(5_000));
    ProxyClient.Fetched fetched = client.get(origin.url("/slow.deb"));
    assertEquals(504, fetched.status());
  }

  @Test
  void redirect_followedAndStoredUnderTheRequestedUrl() throws Exception {
    origin.route("/moved.deb", OriginServer.redirect(origin.url("/real.deb")));
    origin.route("/real.deb", OriginServer.body(100_000, 9));
    ProxyClient.Fetched fetched = client.get(origin.url("/moved.deb"));
    assertEquals(200, fetched.status());
    assertEquals(origin.sha256("/real.deb"), fetched.sha256());
    node.awaitIdle();
    assertEquals("hit", client.get(origin.url("/moved.deb")).cache());
  }

  @Test
  void metadata_revalidatedWithIfModifiedSince() throws Exception {
    // The node runs with a metadata max age of zero: every request revalidates upstream.
    origin.route("/dists/stable/InRelease", OriginServer.body(5000, 4).withLastModified(LAST_MODIFIED));
    ProxyClient.Fetched first = client.get(origin.url("/dists/stable/InRelease"));
    node.awaitIdle();
    ProxyClient.Fetched second = client.get(origin.url("/dists/stable/InRelease"));
    assertEquals("miss", first.cache());
    assertEquals("revalidated", second.cache());
    assertEquals(first.sha256(), second.sha256());
    List<OriginServer.Request> seen = origin.requests("/dists/stable/InRelease");
    assertEquals(2, seen.size());
    assertEquals(LAST_MODIFIED, seen.get(1).header("If-Modified-Since"));
  }

  @Test
  void metadata_staleCopyServedWhenUpstreamIsDown() throws Exception {
    origin.route("/dists/stable/Release", OriginServer.body(3000, 5));
    String expected = client.get(origin.url("/dists/stable/Release")).sha256();
    node.awaitIdle();
    origin.route("/dists/stable/Release", OriginServer.status(503));
    ProxyClient.Fetched stale = client.get(origin.url("/dists/stable/Release"));
    assertEquals(200, stale.status());
    assertEquals("stale", stale.cache());
    assertEquals(expected, stale.sha256());
  }

  @Test
  void clientConditional_answered304() throws Exception {
    origin.route("/dists/stable/Packages", OriginServer.body(3000, 6).withLastModified(LAST_MODIFIED));
    client.get(origin.url("/dists/stable/Packages"));
    node.awaitIdle();
    ProxyClient.Fetched conditional = client.send(HttpRequest.newBuilder(URI.create(origin.url("/dists/stable/Packages")))
        .header("If-Modified-Since", LAST_MODIFIED));
    assertEquals(304, conditional.status());
    assertEquals(0, conditional.size());
  }

  @Test
  void rangeAndHead_onStoredObjects() throws Exception {
    origin.route("/pool/r.deb", OriginServer.body(MB, 8));
    ProxyClient.Fetched whole = client.get(origin.url("/pool/r.deb"));
    node.awaitIdle();
    ProxyClient.Fetched part = client.send(HttpRequest.newBuilder(URI.create(origin.url("/pool/r.deb")))
        .header("Range", "bytes=1000-1999"));
    assertEquals(206, part.status());
    assertEquals(1000, part.size());
    assertEquals("bytes 1000-1999/" + MB, part.header("Content-Range"));
    ProxyClient.Fetched beyond = client.send(HttpRequest.newBuilder(URI.create(origin.url("/pool/r.deb")))
        .header("Range", "bytes=" + (2 * MB) + "-"));
    assertEquals(416, beyond.status());
    ProxyClient.Fetched head = client.send(HttpRequest.newBuilder(URI.create(origin.url("/pool/r.deb")))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertEquals(200, head.status());
    assertEquals(Long.toString(MB), head.header("Content-Length"));
    assertEquals("hit", head.cache());
    assertEquals(1, origin.count("GET", "/pool/r.deb"));
    assertEquals(MB, whole.size());
  }

  @Test
  void rangeOnAnObjectStillArriving_servedFromTheGrowingFile() throws Exception {
    origin.route("/pool/growing.deb", OriginServer.body(6 * MB, 10).withRate(3 * MB));
    var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return client.get(origin.url("/pool/growing.deb"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (node.node.status().activeFetches() == 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    ProxyClient.Fetched tail = client.send(HttpRequest.newBuilder(URI.create(origin.url("/pool/growing.deb")))
        .header("Range", "bytes=" + (5 * MB) + "-"));
    assertEquals(206, tail.status());
    assertEquals("joined", tail.cache());
    assertEquals(MB, tail.size());
    assertEquals(6 * MB, first.get().size());
    assertEquals(1, origin.count("GET", "/pool/growing.deb"));
  }

  @Test
  void headOfAnUncachedObject_askedUpstreamWithHeadAndNotFetched() throws Exception {
    origin.route("/pool/h.deb", OriginServer.body(12345, 11));
    ProxyClient.Fetched head = client.send(HttpRequest.newBuilder(URI.create(origin.url("/pool/h.deb")))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertEquals(200, head.status());
    assertEquals("12345", head.header("Content-Length"));
    assertEquals(1, origin.count("HEAD", "/pool/h.deb"));
    assertEquals(0, origin.count("GET", "/pool/h.deb"));
  }

  @Test
  void mirrorMode_mapsOntoTheConfiguredUpstream() throws Exception {
    origin.route("/repo/pool/m.deb", OriginServer.body(200_000, 12));
    java.net.http.HttpClient direct = java.net.http.HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + node.port() + "/mirror/origin/";
    var ok = direct.send(HttpRequest.newBuilder(URI.create(base + "pool/m.deb")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, ok.statusCode());
    assertEquals(200_000, ok.body().length);
    node.awaitIdle();
    // The proxy spelling of the same URL is the same object.
    assertEquals("hit", client.get(origin.url("/repo/pool/m.deb")).cache());

    var unknown = direct.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/mirror/nope/x")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(404, unknown.statusCode());
    assertTrue(unknown.body().contains("origin"), "lists the configured mirrors: " + unknown.body());
  }

  @Test
  void mirrorMode_refusesEscapingTheBase() throws Exception {
    String raw = rawRequest("GET /mirror/origin/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
  }

  @Test
  void connect_tunnelsBytesBothWays_andCachesNothing() throws Exception {
    origin.route("/tunnelled.deb", OriginServer.body(300_000, 5));
    try (Socket socket = new Socket("127.0.0.1", node.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      String target = "127.0.0.1:" + origin.port();
      out.write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String head = readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 200"), head);
      // Inside the tunnel the client speaks to the origin itself (TLS, for an https source).
      out.write(("GET /tunnelled.deb HTTP/1.1\r\nHost: " + target + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String inner = readHead(in);
      assertTrue(inner.startsWith("HTTP/1.1 200"), inner);
      assertFalse(inner.toLowerCase(Locale.ROOT).contains("x-potluck-cache"), "the node never saw it: " + inner);
      MessageDigest sha = OriginServer.sha256Digest();
      long n = 0;
      byte[] buf = new byte[65536];
      for (int r; (r = in.read(buf)) > 0; n += r) {
        sha.update(buf, 0, r);
      }
      assertEquals(300_000, n);
      assertEquals(origin.sha256("/tunnelled.deb"), HexFormat.of().formatHex(sha.digest()));
    }
    assertEquals(0, node.node.store().stats().objects(), "nothing that crossed a tunnel is cached");
  }

  @Test
  void connect_aBusyTunnelOutlivesTheRequestHeadTimeout() throws Exception {
    // The target sends a byte a second for longer than a connection may wait for its next request head.
    int seconds = (int) (PotluckNode.REQUEST_HEAD_TIMEOUT_MILLIS / 1000) + 5;
    try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread feeder = new Thread(() -> {
        try (Socket s = target.accept(); OutputStream o = s.getOutputStream()) {
          for (int i = 0; i < seconds; i++) {
            Thread.sleep(1_000);
            o.write('x');
            o.flush();
          }
        } catch (IOException | InterruptedException ignored) {
          // the test fails on the count below
        }
      }, "tunnel-target");
      feeder.setDaemon(true);
      feeder.start();
      try (Socket socket = new Socket("127.0.0.1", node.port())) {
        socket.setSoTimeout(10_000);
        String where = "127.0.0.1:" + target.getLocalPort();
        socket.getOutputStream().write(("CONNECT " + where + " HTTP/1.1\r\nHost: " + where + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        int n = 0;
        while (in.read() >= 0) {
          n++;
        }
        assertEquals(seconds, n, "every byte of a tunnel busy for " + seconds + " s arrived");
      }
    }
  }

  @Test
  void connect_toAHostThatCannotBeReached_502NamingIt() throws Exception {
    String unresolvable = rawRequest("CONNECT no-such-host.invalid:443 HTTP/1.1\r\nHost: no-such-host.invalid:443\r\n\r\n");
    assertTrue(unresolvable.startsWith("HTTP/1.1 502"), unresolvable);
    assertTrue(unresolvable.contains("no-such-host.invalid"), unresolvable);
    String noPort = rawRequest("CONNECT deb.example HTTP/1.1\r\nHost: deb.example\r\n\r\n");
    assertTrue(noPort.startsWith("HTTP/1.1 400"), noPort);
  }

  /** The status line and headers of a response, read byte by byte so that nothing after them is consumed. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.indexOf("\r\n\r\n") < 0) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  @Test
  void postAndAbsurdRequests_refusedWithClearErrors() throws Exception {
    String post = rawRequest("POST " + origin.url("/x") + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assertTrue(post.startsWith("HTTP/1.1 405"), post);
    String ftp = rawRequest("GET ftp://h/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    assertTrue(ftp.startsWith("HTTP/1.1 404") || ftp.startsWith("HTTP/1.1 400"), ftp);
    String longHeader = rawRequest("GET " + origin.url("/x") + " HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024)
        + "\r\nConnection: close\r\n\r\n");
    assertTrue(longHeader.startsWith("HTTP/1.1 431") || longHeader.startsWith("HTTP/1.1 400"), longHeader);
    // The node is still serving.
    origin.route("/after.deb", OriginServer.body(10, 1));
    assertEquals(200, client.get(origin.url("/after.deb")).status());
  }

  private String bodyOf(String url) throws Exception {
    var raw = rawRequest("GET " + url + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return raw.substring(raw.indexOf("\r\n\r\n") + 4);
  }

  private String rawRequest(String text) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", node.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      StringBuilder response = new StringBuilder();
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          response.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
          if (response.indexOf("\r\n\r\n") >= 0 && response.length() > 12 && !text.contains("Connection: close")) {
            break;
          }
        }
      } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
        assertNotNull(response);
      }
      return response.toString();
    }
  }
}
