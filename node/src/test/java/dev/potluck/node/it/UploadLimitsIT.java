package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.cache.Disposition;
import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.cache.Source;
import dev.potluck.node.http.PeerFront;
import dev.potluck.node.http.UploadLimits;
import dev.potluck.node.store.FileStore;
import dev.potluck.node.upstream.Upstream;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import dev.potluck.scheduler.freshness.FreshnessPolicy;
import dev.potluck.scheduler.freshness.RequestCacheControl;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
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
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The peer listener keeps to the node's upload limits over real HTTP on loopback: a cap on uploads at
 * once (503 and Retry-After beyond it, the slot freed however a response ends) and a cap on the rate
 * all uploads share, for stored objects and objects still arriving; and it counts what it sent.
 *
 * <p>Times are asserted as lower bounds only: a busy machine may be slower, never faster.
 */
class UploadLimitsIT {

  private static final long MB = 1L << 20;
  private static final long RATE = 2 * MB;
  /** Below the 3 s that 6 MiB take at 2 MiB/s, less the bucket's burst, with room for timer slack. */
  private static final long SIX_MB_AT_RATE_MILLIS = 2_500;

  @TempDir Path work;
  private OriginServer origin;
  private PeerNode node;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    origin = OriginServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    origin.close();
  }

  @Test
  void oneUploadAtATime_aSecondGetIsRefusedUntilTheFirstEnds() throws Exception {
    node = PeerNode.start(work.resolve("cache"), new UploadLimits(1, RATE));
    origin.route("/pool/big.deb", OriginServer.body(6 * MB, 61));
    node.fetch(origin.url("/pool/big.deb"));
    String path = objectPath("/pool/big.deb");

    long started = System.nanoTime();
    CompletableFuture<HttpResponse<byte[]>> first = http.sendAsync(get(path).build(), HttpResponse.BodyHandlers.ofByteArray());
    awaitTrue(() -> node.activeUploads() == 1, "the first GET never started");

    HttpResponse<String> refused = http.send(get(path).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(503, refused.statusCode());
    assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
    assertTrue(refused.body().contains("already uploading to 1 peer"), refused.body());
    HttpResponse<Void> head = http.send(get(path).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding());
    assertEquals(200, head.statusCode(), "HEAD takes no slot");
    assertEquals(1, node.activeUploads());

    HttpResponse<byte[]> whole = first.get(1, TimeUnit.MINUTES);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(200, whole.statusCode());
    assertEquals(origin.sha256("/pool/big.deb"), sha256(whole.body()));
    assertTrue(tookMillis >= SIX_MB_AT_RATE_MILLIS, "6 MiB at 2 MiB/s arrived in " + tookMillis + " ms");

    awaitTrue(() -> node.activeUploads() == 0, "the slot was not released after the body ended");
    HttpResponse<byte[]> again = http.send(get(path).header("Range", "bytes=0-1023").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(206, again.statusCode());
    assertEquals(1024, again.body().length);
    awaitTrue(() -> node.activeUploads() == 0, "the slot was not released after the range ended");
    assertEquals(6 * MB + 1024, node.uploadedBytes(), "bodies only: not HEAD, not the 503");
    assertTrue(node.uploadBytesPerSecond() > 0);
  }

  @Test
  void rateCap_sharedByConcurrentUploads() throws Exception {
    node = PeerNode.start(work.resolve("cache"), new UploadLimits(4, RATE));
    origin.route("/pool/a.deb", OriginServer.body(3 * MB, 62));
    origin.route("/pool/b.deb", OriginServer.body(3 * MB, 63));
    node.fetch(origin.url("/pool/a.deb"));
    node.fetch(origin.url("/pool/b.deb"));

    long started = System.nanoTime();
    CompletableFuture<HttpResponse<byte[]>> a = http.sendAsync(get(objectPath("/pool/a.deb")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    CompletableFuture<HttpResponse<byte[]>> b = http.sendAsync(get(objectPath("/pool/b.deb")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(origin.sha256("/pool/a.deb"), sha256(a.get(1, TimeUnit.MINUTES).body()));
    assertEquals(origin.sha256("/pool/b.deb"), sha256(b.get(1, TimeUnit.MINUTES).body()));
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertTrue(tookMillis >= SIX_MB_AT_RATE_MILLIS, "2 × 3 MiB at 2 MiB/s in all arrived in " + tookMillis + " ms");

    awaitTrue(() -> node.activeUploads() == 0, "slots were not released");
    assertEquals(6 * MB, node.uploadedBytes());
  }

  @Test
  void rateCap_arrivingObjectPacedToo() throws Exception {
    node = PeerNode.start(work.resolve("cache"), new UploadLimits(4, RATE));
    origin.route("/pool/slow.deb", OriginServer.body(6 * MB, 64).withRate(3 * MB));
    Future<Source> local = node.startFetch(origin.url("/pool/slow.deb"));
    awaitTrue(() -> node.onLoop(() -> node.cache.counters().upstreamBytes()) > 0, "the fetch never started");

    long started = System.nanoTime();
    HttpResponse<byte[]> streamed = http.send(get(objectPath("/pool/slow.deb")).build(), HttpResponse.BodyHandlers.ofByteArray());
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(200, streamed.statusCode());
    assertEquals(Disposition.JOINED.header(), streamed.headers().firstValue("X-Potluck-Cache").orElse(null),
        "served from the transfer under way");
    assertEquals(origin.sha256("/pool/slow.deb"), sha256(streamed.body()));
    assertTrue(tookMillis >= SIX_MB_AT_RATE_MILLIS, "6 MiB at 2 MiB/s arrived in " + tookMillis + " ms");
    local.toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    awaitTrue(() -> node.activeUploads() == 0, "the slot was not released");
    assertEquals(6 * MB, node.uploadedBytes());
  }

  /** 0: zero-copy file sends; otherwise paced chunks. */
  @ParameterizedTest
  @ValueSource(longs = {0, RATE})
  void disconnectingPeer_freesItsSlot(long rate) throws Exception {
    node = PeerNode.start(work.resolve("cache"), new UploadLimits(1, rate));
    origin.route("/pool/huge.deb", OriginServer.body(32 * MB, 65));
    node.fetch(origin.url("/pool/huge.deb"));
    String path = objectPath("/pool/huge.deb");

    try (Socket socket = new Socket("127.0.0.1", node.peerPort())) {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 200"), head);
      in.readNBytes(128 * 1024);
      assertEquals(1, node.activeUploads());
      assertEquals(503, http.send(get(path).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
      // Reset rather than close: the peer is gone mid-body.
      socket.setSoLinger(true, 0);
    }

    awaitTrue(() -> node.activeUploads() == 0, "a peer that went away mid-body kept its slot");
    HttpResponse<byte[]> next = http.send(get(path).header("Range", "bytes=0-65535").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(206, next.statusCode());
    assertEquals(65536, next.body().length);
    awaitTrue(() -> node.activeUploads() == 0, "the slot was not released");
    // A zero-copy send is counted once it has gone out whole, which may be just after its slot is free.
    awaitTrue(() -> node.uploadedBytes() >= 65536, "the range was not counted");
    long uploaded = node.uploadedBytes();
    assertTrue(uploaded <= 32 * MB + 65536, "uploaded " + uploaded);
  }

  @Test
  void unlimited_countersMatchTheBytesMoved() throws Exception {
    node = PeerNode.start(work.resolve("cache"), UploadLimits.NONE);
    origin.route("/pool/p.deb", OriginServer.body(2 * MB, 66));
    node.fetch(origin.url("/pool/p.deb"));
    String path = objectPath("/pool/p.deb");

    HttpResponse<byte[]> whole = http.send(get(path).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(origin.sha256("/pool/p.deb"), sha256(whole.body()));
    HttpResponse<byte[]> part = http.send(get(path).header("Range", "bytes=100-199").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(100, part.body().length);
    assertEquals(404, http.send(get(objectPath("/pool/absent.deb")).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode());

    awaitTrue(() -> node.uploadedBytes() == 2 * MB + 100, "uploaded " + node.uploadedBytes() + " bytes");
    assertEquals(0, node.activeUploads());
    assertTrue(node.uploadBytesPerSecond() > 0);
  }

  private String objectPath(String originPath) {
    return PeerApi.objectPath(ObjectKey.of(CanonicalUrl.parse(origin.url(originPath))));
  }

  private HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.peerPort() + path)).timeout(Duration.ofMinutes(1));
  }

  private static String readHead(InputStream in) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("the connection closed inside the head: " + head);
      }
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        return head.toString(StandardCharsets.US_ASCII);
      }
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String failure) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(failure);
      }
      Thread.sleep(10);
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /**
   * The peer side of a node with upload limits: the parts {@code PotluckNode} wires (store, upstream,
   * cache, and the peer front on a loopback listener) on one context, as the node does, so the test
   * can read the front's slot and byte counters at any moment without a cluster around it (the node
   * reports them only in its cluster status). The cache is filled through the cache itself.
   */
  private static final class PeerNode implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final Context context = vertx.getOrCreateContext();
    private Upstream upstream;
    LocalCache cache;
    private PeerFront front;
    private HttpServer server;

    static PeerNode start(Path cacheDir, UploadLimits limits) throws Exception {
      FileStore store = FileStore.open(cacheDir, 1L << 30);
      PeerNode node = new PeerNode();
      node.server = node.onLoopAsync(() -> {
        node.upstream = new Upstream(node.vertx, Duration.ofSeconds(30));
        node.cache = new LocalCache(node.vertx, store, node.upstream,
            new FreshnessPolicy(Duration.ofMinutes(5), FreshnessPolicy.DEFAULT_REVALIDATE_INTERVAL), System::currentTimeMillis);
        node.front = new PeerFront(node.vertx, node.cache, 30_000, null, limits);
        return node.vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(false))
            .requestHandler(node.front)
            .listen(0, "127.0.0.1");
      });
      return node;
    }

    /** Starts fetching {@code url} into the cache; the future completes with the first answer. */
    Future<Source> startFetch(String url) throws Exception {
      return onLoop(() -> cache.open(CanonicalUrl.parse(url), RequestCacheControl.NONE, false, "upload-limits-test"));
    }

    /** Fetches {@code url} into the cache and waits until it is stored. */
    void fetch(String url) throws Exception {
      onLoopAsync(() -> cache.open(CanonicalUrl.parse(url), RequestCacheControl.NONE, false, "upload-limits-test")
          .compose(source -> source instanceof Source.Live live ? live.transfer().completion().mapEmpty()
              : Future.succeededFuture()));
      awaitTrue(() -> onLoop(() -> cache.activeFetches()) == 0, "the object was never committed");
    }

    int peerPort() {
      return server.actualPort();
    }

    int activeUploads() {
      return onLoop(() -> front.activeUploads());
    }

    long uploadedBytes() {
      return onLoop(() -> front.uploadedBytes());
    }

    long uploadBytesPerSecond() {
      return onLoop(() -> front.uploadBytesPerSecond());
    }

    /** Runs {@code action} on the node's context, where the peer front and the cache live, and waits. */
    <T> T onLoop(Supplier<T> action) {
      CompletableFuture<T> result = new CompletableFuture<>();
      context.runOnContext(v -> {
        try {
          result.complete(action.get());
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
        }
      });
      try {
        return result.get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    private <T> T onLoopAsync(Supplier<Future<T>> action) throws Exception {
      CompletableFuture<T> result = new CompletableFuture<>();
      context.runOnContext(v -> action.get().onComplete(ar -> {
        if (ar.succeeded()) {
          result.complete(ar.result());
        } else {
          result.completeExceptionally(ar.cause());
        }
      }));
      return result.get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      onLoopAsync(() -> server.close().compose(v -> upstream.close()));
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
