package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.PotluckNode;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Other nodes fetch by key from the peer listener: complete or arriving objects, nothing else. */
class PeerApiIT {

  private static final long MB = 1L << 20;
  private static final byte[] SECRET = "the office cluster secret".getBytes(StandardCharsets.UTF_8);

  @TempDir Path work;
  private OriginServer origin;
  private PotluckNode node;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    origin = OriginServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.stop(Duration.ofSeconds(5));
    }
    origin.close();
  }

  private void startNode(byte[] secret) throws Exception {
    node = InProcessNode.startWithPeerListener(work.resolve("cache"), secret);
  }

  private ObjectKey keyOf(String path) {
    return ObjectKey.of(CanonicalUrl.parse(origin.url(path)));
  }

  private HttpResponse<byte[]> peerGet(String path, String range, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.peerAddress().port() + path))
        .timeout(Duration.ofMinutes(1));
    if (range != null) {
      b.header("Range", range);
    }
    if (token != null) {
      b.header(PeerApi.TOKEN_HEADER, token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private void awaitIdle() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (node.status().activeFetches() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  @Test
  void storedObject_servedByKeyWithItsDigest() throws Exception {
    startNode(null);
    origin.route("/pool/p.deb", OriginServer.body(2 * MB, 41));
    new ProxyClient(node.address().port()).get(origin.url("/pool/p.deb"));
    awaitIdle();
    String path = PeerApi.objectPath(keyOf("/pool/p.deb"));

    HttpResponse<byte[]> whole = peerGet(path, null, null);
    assertEquals(200, whole.statusCode());
    assertEquals(origin.sha256("/pool/p.deb"), sha256(whole.body()));
    assertEquals(origin.sha256("/pool/p.deb"), whole.headers().firstValue(PeerApi.SHA256_HEADER).orElse(null));
    assertEquals(Long.toString(2 * MB), whole.headers().firstValue(PeerApi.SIZE_HEADER).orElse(null));

    HttpResponse<byte[]> part = peerGet(path, "bytes=100-199", null);
    assertEquals(206, part.statusCode());
    assertEquals(100, part.body().length);
    assertEquals(1, origin.count("GET", "/pool/p.deb"), "peers never cause upstream traffic");
  }

  @Test
  void metadata_keptForPeersOnlyWhenThisNodesClientsUseIt_revalidatedOnceWithinTheirMaxAge() throws Exception {
    startNode(null);
    origin.route("/dists/stable/InRelease", OriginServer.body(4096, 43));
    origin.route("/dists/other/InRelease", OriginServer.body(4096, 44));
    String kept = origin.url("/dists/stable/InRelease");
    String unknown = origin.url("/dists/other/InRelease");

    HttpResponse<byte[]> notKept = metadataGet(kept, kept, 300);
    assertEquals(404, notKept.statusCode(), "a URL this node's clients never asked for is not fetched for a peer");
    assertEquals(404, metadataGet(unknown, unknown, 300).statusCode());
    assertEquals(400, metadataGet(kept, unknown, 300).statusCode(), "the path's key must be the URL's");
    assertEquals(0, origin.count("GET", "/dists/stable/InRelease") + origin.count("GET", "/dists/other/InRelease"));

    new ProxyClient(node.address().port()).get(kept);
    awaitIdle();
    HttpResponse<byte[]> fresh = metadataGet(kept, kept, 300);
    assertEquals(200, fresh.statusCode());
    assertEquals(origin.sha256("/dists/stable/InRelease"), sha256(fresh.body()));
    long validatedAt = Long.parseLong(fresh.headers().firstValue(PeerApi.VALIDATED_AT_HEADER).orElseThrow());
    assertTrue(Math.abs(System.currentTimeMillis() - validatedAt) < 60_000, "validated just now: " + validatedAt);
    assertEquals(1, origin.count("GET", "/dists/stable/InRelease"), "fresh enough for the peer: not revalidated");
    assertEquals(200, metadataGet(kept, kept, 0).statusCode());
    assertEquals(1, origin.count("GET", "/dists/stable/InRelease"),
        "max-age 0 within the revalidation interval: the copy just confirmed serves");
  }

  private HttpResponse<byte[]> metadataGet(String keyUrl, String url, long maxAgeSeconds) throws Exception {
    String path = PeerApi.metadataPath(ObjectKey.of(CanonicalUrl.parse(keyUrl)));
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.peerAddress().port() + path))
        .header(PeerApi.URL_HEADER, url).header(PeerApi.MAX_AGE_HEADER, Long.toString(maxAgeSeconds))
        .timeout(Duration.ofMinutes(1)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void arrivingObject_streamedToAPeerAsItGrows() throws Exception {
    startNode(null);
    origin.route("/pool/slow.deb", OriginServer.body(6 * MB, 42).withRate(3 * MB));
    CompletableFuture<ProxyClient.Fetched> local = CompletableFuture.supplyAsync(() -> {
      try {
        return new ProxyClient(node.address().port()).get(origin.url("/pool/slow.deb"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (node.status().upstreamBytes() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    HttpResponse<byte[]> streamed = peerGet(PeerApi.objectPath(keyOf("/pool/slow.deb")), null, null);
    assertEquals(200, streamed.statusCode());
    assertEquals(origin.sha256("/pool/slow.deb"), sha256(streamed.body()));
    assertEquals(origin.sha256("/pool/slow.deb"), local.get(1, TimeUnit.MINUTES).sha256());
    assertEquals(1, origin.count("GET", "/pool/slow.deb"));
  }

  @Test
  void unknownKeysPathsAndMethods_refusedWithoutFetching() throws Exception {
    startNode(null);
    origin.route("/pool/never.deb", OriginServer.body(MB, 43));
    assertEquals(404, peerGet(PeerApi.objectPath(keyOf("/pool/never.deb")), null, null).statusCode());
    assertEquals(0, origin.count("GET", "/pool/never.deb"), "a peer's request never starts a fetch");
    HttpResponse<byte[]> byPath = peerGet("/pool/never.deb", null, null);
    assertEquals(404, byPath.statusCode());
    assertTrue(new String(byPath.body(), StandardCharsets.UTF_8).contains("by key only"));
    assertEquals(404, peerGet("/peer/v1/objects/../../etc/passwd", null, null).statusCode());
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.peerAddress().port() + PeerApi.objectPath(keyOf("/x"))))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
  }

  @Test
  void secret_requestsWithoutTheRightTokenRefused() throws Exception {
    startNode(SECRET);
    origin.route("/pool/s.deb", OriginServer.body(MB, 44));
    new ProxyClient(node.address().port()).get(origin.url("/pool/s.deb"));
    awaitIdle();
    String path = PeerApi.objectPath(keyOf("/pool/s.deb"));
    assertEquals(403, peerGet(path, null, null).statusCode());
    assertEquals(403, peerGet(path, null, PeerApi.token("not the secret at all".getBytes(StandardCharsets.UTF_8), "GET", path)).statusCode());
    assertEquals(403, peerGet(path, null, PeerApi.token(SECRET, "GET", PeerApi.objectPath(keyOf("/other")))).statusCode());
    long anHourAgo = System.currentTimeMillis() / 1000 - 3600;
    assertEquals(403, peerGet(path, null, PeerApi.token(SECRET, "GET", path, anHourAgo)).statusCode(),
        "a token captured an hour ago cannot be replayed");
    HttpResponse<byte[]> ok = peerGet(path, null, PeerApi.token(SECRET, "GET", path));
    assertEquals(200, ok.statusCode());
    assertEquals(origin.sha256("/pool/s.deb"), sha256(ok.body()));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
