package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.config.SecretFile;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three nodes, each its own JVM, on loopback with static seeds and a secret (so that the test origin's
 * files, which no repository signs, are shared): two ordinary nodes and one run with {@code --no-share}.
 * The no-share node takes a file from a peer like any other; a file only it holds is fetched from
 * upstream by the ordinary node that asks for it, never taken from the no-share node, whose peer API
 * refuses objects.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NoShareIT {

  private static final long MB = 1 << 20;

  private Path dir;
  private OriginServer origin;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private NodeProcess sharing;
  private NodeProcess other;
  private NodeProcess noShare;
  private final ExecutorService starters = Executors.newCachedThreadPool();

  @BeforeAll
  void startCluster() throws Exception {
    dir = Files.createTempDirectory("potluck-noshare-");
    origin = OriginServer.start();
    int count = 3;
    int[] clusterPorts = new int[count];
    int[] httpPorts = new int[count];
    for (int i = 0; i < count; i++) {
      clusterPorts[i] = NodeProcess.freePort();
      httpPorts[i] = NodeProcess.freePort();
    }
    String cluster = "noshare-" + Long.toHexString(System.nanoTime());
    List<CompletableFuture<NodeProcess>> starting = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      List<String> args = new ArrayList<>(List.of("--cache-dir", dir.resolve("node" + i).toString(), "--bind", "127.0.0.1",
          "--cluster-port", Integer.toString(clusterPorts[i]), "--peer-port", "0", "--cluster", cluster, "--no-mdns"));
      args.addAll(NodeProcess.secretArgs(dir));
      for (int j = 0; j < count; j++) {
        if (j != i) {
          args.addAll(List.of("--seed", "127.0.0.1:" + clusterPorts[j]));
        }
      }
      if (i == 2) {
        args.add("--no-share");
      }
      int port = httpPorts[i];
      starting.add(CompletableFuture.supplyAsync(() -> {
        try {
          return NodeProcess.start(dir, port, List.of("-Xmx192m"), args.toArray(String[]::new));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, starters));
    }
    for (CompletableFuture<NodeProcess> node : starting) {
      nodes.add(node.get(2, TimeUnit.MINUTES));
    }
    sharing = nodes.get(0);
    other = nodes.get(1);
    noShare = nodes.get(2);
    LoopbackClusterIT.awaitWholeView(count, nodes);
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (NodeProcess node : nodes) {
      node.close();
    }
    starters.shutdownNow();
    if (origin != null) {
      origin.close();
    }
  }

  @Test
  @Order(1)
  void statusShowsIt() throws Exception {
    assertEquals(Boolean.FALSE, noShare.status().getJsonObject("cluster").getValue("share"));
    assertEquals(Boolean.TRUE, sharing.status().getJsonObject("cluster").getValue("share"));

    NodeProcess.Completed status = NodeProcess.run(dir, "status", "--node", "http://127.0.0.1:" + noShare.port());
    assertEquals(0, status.exitCode(), status.output());
    assertTrue(status.output().contains("this node shares nothing (--no-share)"), status.output());
  }

  @Test
  @Order(2)
  void noShareNode_takesAFileFromAPeer() throws Exception {
    String path = "/debian/pool/main/t/taken/taken_1.0_all.deb";
    origin.route(path, OriginServer.body(4 * MB, 21));
    String url = origin.url(path);
    assertEquals("miss", sharing.client().get(url).cache());
    awaitIdle(sharing);

    ProxyClient.Fetched taken = noShare.client().get(url);

    assertEquals(200, taken.status());
    assertEquals("peer", taken.cache(), "the no-share node takes from the LAN like any other");
    assertEquals(origin.sha256(path), taken.sha256());
    assertEquals(1, origin.count("GET", path), "one upstream fetch");
  }

  @Test
  @Order(3)
  void fileOnlyTheNoShareNodeHolds_isFetchedUpstream_notFromIt() throws Exception {
    String path = "/debian/pool/main/k/kept/kept_1.0_all.deb";
    origin.route(path, OriginServer.body(4 * MB, 22));
    String url = origin.url(path);
    assertEquals("miss", noShare.client().get(url).cache());
    awaitIdle(noShare);
    Thread.sleep(1_500); // a Have it might (wrongly) send, and its load gossip, have had time to arrive
    long uploadedBefore = uploadedBytes(noShare);

    ProxyClient.Fetched fetched = other.client().get(url);

    assertEquals(200, fetched.status());
    assertEquals("miss", fetched.cache(), "fetched from upstream: the no-share node serves nobody");
    assertEquals(origin.sha256(path), fetched.sha256());
    assertEquals(2, origin.count("GET", path));
    assertEquals(uploadedBefore, uploadedBytes(noShare), "nothing went out of the no-share node");
  }

  @Test
  @Order(4)
  void noSharePeerApi_refusesObjects_with403() throws Exception {
    String path = "/debian/pool/main/k/kept/kept_1.0_all.deb"; // held by the no-share node since test 3
    ObjectKey key = ObjectKey.of(CanonicalUrl.parse(origin.url(path)));
    String peerPath = PeerApi.objectPath(key);
    byte[] secret = SecretFile.read(dir.resolve("cluster.secret"));
    HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(
        HttpRequest.newBuilder(URI.create("http://" + selfPeerApi(noShare) + peerPath))
            .header(PeerApi.TOKEN_HEADER, PeerApi.token(secret, "GET", peerPath)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(403, response.statusCode());
    assertTrue(response.body().contains("--no-share"), response.body());
  }

  private static String selfPeerApi(NodeProcess node) throws Exception {
    JsonArray members = node.status().getJsonObject("cluster").getJsonArray("members");
    for (int i = 0; i < members.size(); i++) {
      JsonObject member = members.getJsonObject(i);
      if (member.getBoolean("self")) {
        return member.getString("peerApi");
      }
    }
    throw new AssertionError("no self in " + members.encode());
  }

  private static long uploadedBytes(NodeProcess node) throws Exception {
    return node.status().getJsonObject("cluster").getLong("uploadedBytes");
  }

  private static void awaitIdle(NodeProcess node) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (node.status().getInteger("activeFetches") > 0) {
      assertTrue(System.nanoTime() < deadline, "fetches still under way after 30 s");
      Thread.sleep(20);
    }
  }
}
