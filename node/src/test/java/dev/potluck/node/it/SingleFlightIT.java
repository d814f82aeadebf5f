package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many clients, one object: exactly one upstream fetch, everyone streamed from the growing file. */
class SingleFlightIT {

  private static final long MB = 1L << 20;

  @TempDir Path cacheDir;
  private OriginServer origin;
  private InProcessNode node;
  private final ExecutorService clients = Executors.newCachedThreadPool();

  @BeforeEach
  void start() throws Exception {
    origin = OriginServer.start();
    node = InProcessNode.start(InProcessNode.config(cacheDir));
  }

  @AfterEach
  void stop() throws Exception {
    clients.shutdownNow();
    node.close();
    origin.close();
  }

  @Test
  void twentyConcurrentRequests_oneUpstreamFetch() throws Exception {
    // 50 MB at 100 MB/s upstream: all twenty requests arrive while the fetch is under way.
    origin.route("/pool/big_1.0_all.deb", OriginServer.body(50 * MB, 1).withRate(100 * MB));
    String expected = origin.sha256("/pool/big_1.0_all.deb");
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<ProxyClient.Fetched>> results = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      results.add(clients.submit(() -> {
        gate.await();
        return node.client().get(origin.url("/pool/big_1.0_all.deb"));
      }));
    }
    gate.countDown();
    Map<String, Integer> dispositions = new TreeMap<>();
    for (Future<ProxyClient.Fetched> result : results) {
      ProxyClient.Fetched fetched = result.get(2, TimeUnit.MINUTES);
      assertEquals(200, fetched.status());
      assertEquals(50 * MB, fetched.size());
      assertEquals(expected, fetched.sha256());
      dispositions.merge(fetched.cache(), 1, Integer::sum);
    }
    long upstreamRequests = origin.count("GET", "/pool/big_1.0_all.deb");
    System.out.printf("[figure] 20 concurrent clients, 50 MB object: %d upstream request(s), %d upstream body bytes, answers %s%n",
        upstreamRequests, origin.bodyBytesSent(), dispositions);
    assertEquals(1, upstreamRequests);
    assertEquals(50 * MB, origin.bodyBytesSent());
    assertEquals(Map.of("miss", 1, "joined", 19), dispositions);

    node.awaitIdle();
    ProxyClient.Fetched later = node.client().get(origin.url("/pool/big_1.0_all.deb"));
    assertEquals("hit", later.cache());
    assertEquals(expected, later.sha256());
    assertEquals(1, origin.count("GET", "/pool/big_1.0_all.deb"));
  }

  @Test
  void stalledClient_doesNotHoldBackTheFetchOrOtherClients() throws Exception {
    origin.route("/pool/mid_1.0_all.deb", OriginServer.body(30 * MB, 2).withRate(60 * MB));
    String expected = origin.sha256("/pool/mid_1.0_all.deb");
    try (Socket stalled = new Socket("127.0.0.1", node.port())) {
      OutputStream out = stalled.getOutputStream();
      out.write(("GET " + origin.url("/pool/mid_1.0_all.deb") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = stalled.getInputStream();
      // Read a little, then stop reading for the rest of the test while keeping the connection open.
      byte[] some = in.readNBytes(100_000);
      assertEquals(100_000, some.length);

      List<Callable<ProxyClient.Fetched>> others = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        others.add(() -> node.client().get(origin.url("/pool/mid_1.0_all.deb")));
      }
      for (Future<ProxyClient.Fetched> f : clients.invokeAll(others, 2, TimeUnit.MINUTES)) {
        ProxyClient.Fetched fetched = f.get();
        assertEquals(expected, fetched.sha256(), "a stalled peer must not stop other clients");
      }
      // The object is complete and stored although one reader still has most of it unread.
      ProxyClient.Fetched after = node.client().get(origin.url("/pool/mid_1.0_all.deb"));
      assertEquals(expected, after.sha256());
      assertEquals(1, origin.count("GET", "/pool/mid_1.0_all.deb"));
      assertTrue(node.node.store().stats().objects() >= 1);
    }
  }

  @Test
  void lateJoiner_getsWhatIsOnDiskThenFollows() throws Exception {
    origin.route("/pool/slow_1.0_all.deb", OriginServer.body(8 * MB, 3).withRate(8 * MB));
    String expected = origin.sha256("/pool/slow_1.0_all.deb");
    Future<ProxyClient.Fetched> first = clients.submit(() -> node.client().get(origin.url("/pool/slow_1.0_all.deb")));
    // Join once the node reports the fetch under way and bytes are flowing.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (node.node.status().upstreamBytes() < 2 * MB && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    ProxyClient.Fetched late = node.client().get(origin.url("/pool/slow_1.0_all.deb"));
    assertEquals("joined", late.cache());
    assertEquals(expected, late.sha256());
    assertEquals(expected, first.get(1, TimeUnit.MINUTES).sha256());
    assertEquals(1, origin.count("GET", "/pool/slow_1.0_all.deb"));
  }
}
