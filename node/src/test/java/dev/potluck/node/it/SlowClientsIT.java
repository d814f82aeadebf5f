package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris on both listeners: thousands of connections that trickle a request head a byte at a time
 * never exhaust the node's connections, upload slots or memory. Real requests still get through while
 * they hang on, and every slow connection is closed once its head is overdue.
 */
class SlowClientsIT {

  /** The node's caps (PotluckNode): client and peer listeners, and the request head timeout. */
  private static final int CLIENT_CAP = 2_048;
  private static final int PEER_CAP = 256;
  private static final long HEAD_TIMEOUT_MILLIS = 20_000;
  /** Peak RSS allowed for a node capped at -Xmx128m holding 2,600 slow connections. */
  private static final long RSS_BOUND_KIB = 400 * 1024;

  @TempDir Path work;

  @Test
  void slowHeadsOnBothListeners_cannotExhaustConnectionsSlotsOrMemory() throws Exception {
    try (OriginServer origin = OriginServer.start();
        NodeProcess node = NodeProcess.start(work, NodeProcess.freePort(), List.of("-Xmx128m"),
            "--cache-dir", work.resolve("cache").toString())) {
      String url = origin.url("/pool/hit_1.0_all.deb");
      origin.route("/pool/hit_1.0_all.deb", OriginServer.body(200_000, 17));
      ProxyClient.Fetched first = node.client().get(url);
      assertEquals(200, first.status());
      awaitIdle(node);
      int peerPort = peerPort(node.status());
      String peerPath = PeerApi.objectPath(ObjectKey.of(CanonicalUrl.parse(url)));

      List<Socket> slow = new ArrayList<>();
      AtomicBoolean dripping = new AtomicBoolean(true);
      Thread drip = new Thread(() -> dripLoop(slow, dripping), "slowloris-drip");
      try {
        for (int i = 0; i < CLIENT_CAP + 200; i++) {
          slow.add(openSlow(node.port(), "GET " + url + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
        }
        for (int i = 0; i < PEER_CAP + 100; i++) {
          slow.add(openSlow(peerPort, "GET " + peerPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
        }
        long openedAt = System.nanoTime();
        drip.start();

        awaitAtMost(node.port(), CLIENT_CAP);
        awaitAtMost(peerPort, PEER_CAP);
        int clientOpen = RawHttp.establishedTo(node.port());
        int peerOpen = RawHttp.establishedTo(peerPort);
        System.out.printf("slowloris: %d slow client and %d slow peer connections opened; the node holds %d and %d"
            + " (caps %d and %d)%n", CLIENT_CAP + 200, PEER_CAP + 100, clientOpen, peerOpen, CLIENT_CAP, PEER_CAP);

        // Real requests get through while the slow ones hang on.
        RawHttp.Response hit = request(node.port(), "GET " + url + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(200, hit.status());
        assertEquals(origin.sha256("/pool/hit_1.0_all.deb"), hit.sha256());
        assertEquals("hit", hit.header("x-potluck-cache"));
        RawHttp.Response fromPeer = request(peerPort, "GET " + peerPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(200, fromPeer.status(), "a peer's request is served, with an upload slot to spare");
        assertEquals(origin.sha256("/pool/hit_1.0_all.deb"), fromPeer.sha256());
        assertEquals(0, node.status().getJsonObject("cluster").getInteger("activeUploads"),
            "slow heads hold no upload slot");

        // Every slow connection is closed once its head is overdue (or earlier, to make room).
        long deadline = openedAt + (HEAD_TIMEOUT_MILLIS + 15_000) * 1_000_000L;
        int closed = 0;
        for (Socket s : slow) {
          if (closedByServer(s, deadline)) {
            closed++;
          }
        }
        System.out.printf("slowloris: %d of %d slow connections closed by the node within %d s of opening%n",
            closed, slow.size(), (System.nanoTime() - openedAt) / 1_000_000_000L);
        assertEquals(slow.size(), closed, "every slow connection is closed");
        long peak = RawHttp.peakRssKib(node.pid());
        System.out.printf("slowloris: node peak RSS %d MiB (-Xmx128m; bound %d MiB)%n", peak / 1024, RSS_BOUND_KIB / 1024);
        assertTrue(peak < RSS_BOUND_KIB, "peak RSS " + peak / 1024 + " MiB");
        assertTrue(node.isAlive());
      } finally {
        dripping.set(false);
        drip.join(10_000);
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }

  private static Socket openSlow(int port, String partialHead) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.getOutputStream().write(partialHead.getBytes(StandardCharsets.US_ASCII));
    return s;
  }

  /** One byte on every slow connection every 2 s, as slowloris keeps a head alive. */
  private static void dripLoop(List<Socket> slow, AtomicBoolean dripping) {
    while (dripping.get()) {
      for (Socket s : slow) {
        try {
          OutputStream out = s.getOutputStream();
          out.write('a');
        } catch (IOException closed) {
          // The node closed it: as it should, sooner or later.
        }
      }
      try {
        Thread.sleep(2_000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Whether the node closed {@code s} (end of stream or reset) before {@code deadline} (nanoTime). */
  private static boolean closedByServer(Socket s, long deadline) throws IOException {
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return false;
      }
      s.setSoTimeout((int) Math.max(1, left));
      try {
        int b = s.getInputStream().read();
        if (b < 0) {
          return true;
        }
      } catch (SocketTimeoutException stillOpen) {
        return false;
      } catch (IOException reset) {
        return true;
      }
    }
  }

  private static RawHttp.Response request(int port, String head) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      return RawHttp.read(s.getInputStream());
    }
  }

  private static void awaitAtMost(int port, int cap) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (RawHttp.establishedTo(port) > cap) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(RawHttp.establishedTo(port) + " connections to port " + port + " stay open; cap " + cap);
      }
      Thread.sleep(50);
    }
  }

  static int peerPort(JsonObject status) {
    for (Object m : status.getJsonObject("cluster").getJsonArray("members")) {
      JsonObject member = (JsonObject) m;
      if (member.getBoolean("self")) {
        String api = member.getString("peerApi");
        return Integer.parseInt(api.substring(api.lastIndexOf(':') + 1));
      }
    }
    throw new AssertionError("no peer listener in " + status);
  }

  static void awaitIdle(NodeProcess node) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (node.status().getInteger("activeFetches") > 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fetches still under way after 30 s");
      }
      Thread.sleep(20);
    }
  }
}
