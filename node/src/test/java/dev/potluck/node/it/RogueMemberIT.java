package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.potluck.node.cluster.ClusterSettings;
import dev.potluck.node.apt.StaticFileServer;
import dev.potluck.node.cluster.JGroupsCluster;
import dev.potluck.node.trust.apt.Gpg;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.Rendezvous;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A rogue member of an open group costs time, never correctness. Three honest nodes, each its own JVM
 * from the jar, share objects with self-certifying names ({@code /by-hash/SHA256/<hex>}); this test's JVM
 * joins their group as a rogue member that lies in every way the protocol lets it:
 * <ul>
 *   <li>as the legitimate arbiter of some keys, it answers every {@code Want} with a {@code FetchFrom}
 *       naming itself (with the digest the name promises, so the lie shows only in the bytes), and its
 *       peer API, announced through its {@code Load}, serves wrong bytes of the right length for any key;
 *   <li>before any fetch, it claims to hold other keys ({@code Have} with a wrong size and digest) at
 *       their honest arbiters, which then offer it as a holder;
 *   <li>while the honest nodes fetch, it sends {@code Grant}, {@code StreamFrom}, {@code FetchFrom} and
 *       {@code Announce} for keys it does not arbitrate, and {@code Done} and {@code Have} with wrong
 *       sizes and digests to those keys' arbiters;
 *   <li>a second rogue joins under an honest node's id and gossips its own peer port in that name.
 * </ul>
 * Every client gets the origin's exact bytes, no honest store holds a wrong body, no honest node
 * blocklists another, the forged answers are counted as rejected, and the duplicate id is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RogueMemberIT {

  private static final int NODES = 3;
  private static final long KB = 1024;
  /** Objects per kind of lie: lured by the rogue arbiter, poisoned by a first Have, forged answers only. */
  private static final int PER_KIND = 2;
  private static final Pattern REJECTED =
      Pattern.compile("(?m)^potluck_rejected_messages_total\\{[^}]*reason=\"([a-z_]+)\"[^}]*\\}\\s+([0-9.eE+-]+)");

  private enum Kind { LURED, POISONED, FORGED }

  /** One object of the test: its origin path, key, size and digest, and how the rogue lies about it. */
  private record Item(Kind kind, String path, String url, ObjectKey key, long size, Sha256 sha256) {}

  private Path dir;
  private OriginServer origin;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<NodeId> honestIds = new ArrayList<>();
  private String clusterName;
  private final List<InetSocketAddress> seeds = new ArrayList<>();
  private final ExecutorService clients = Executors.newCachedThreadPool();
  private RoguePeerApi rogueApi;
  private Rogue rogue;
  private Rogue impostor;
  private Gpg gpg;
  private String signer;
  private RoguePeerApi keeperApi;
  private Rogue keeper;
  private StaticFileServer aptOrigin;

  @BeforeAll
  void startCluster() throws Exception {
    dir = Files.createTempDirectory("potluck-rogue-");
    origin = OriginServer.start();
    // The signing key of the apt repository the keeper test serves, trusted by the honest nodes.
    gpg = Gpg.start();
    signer = gpg.generate("Archive <archive@example.org>", "ed25519", "sign", "never");
    Path keyring = dir.resolve("archive.gpg");
    Files.write(keyring, gpg.export(false, signer));
    clusterName = "rogue-" + Long.toHexString(System.nanoTime());
    int[] clusterPorts = new int[NODES];
    int[] httpPorts = new int[NODES];
    for (int i = 0; i < NODES; i++) {
      clusterPorts[i] = NodeProcess.freePort();
      httpPorts[i] = NodeProcess.freePort();
      seeds.add(new InetSocketAddress("127.0.0.1", clusterPorts[i]));
    }
    List<CompletableFuture<NodeProcess>> starting = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      // No --secret-file: an open group, where only what an authority vouches for is shared.
      List<String> args = new ArrayList<>(List.of("--cache-dir", dir.resolve("node" + i).toString(), "--bind",
          "127.0.0.1", "--cluster-port", Integer.toString(clusterPorts[i]), "--peer-port", "0", "--cluster",
          clusterName, "--no-mdns", "--keyring", keyring.toString()));
      for (int j = 0; j < NODES; j++) {
        if (j != i) {
          args.addAll(List.of("--seed", "127.0.0.1:" + clusterPorts[j]));
        }
      }
      int port = httpPorts[i];
      starting.add(CompletableFuture.supplyAsync(() -> {
        try {
          return NodeProcess.start(dir, port, List.of("-Xmx256m"), args.toArray(String[]::new));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, clients));
    }
    for (CompletableFuture<NodeProcess> node : starting) {
      nodes.add(node.get(2, TimeUnit.MINUTES));
    }
    LoopbackClusterIT.awaitWholeView(NODES, nodes);
    for (NodeProcess node : nodes) {
      assertEquals("open", node.status().getJsonObject("trust").getString("group"));
      honestIds.add(NodeId.parse(node.status().getString("nodeId")));
    }
  }

  @AfterAll
  void stopAll() throws Exception {
    for (Rogue r : new Rogue[] {impostor, rogue, keeper}) {
      if (r != null) {
        r.close();
      }
    }
    for (RoguePeerApi api : new RoguePeerApi[] {rogueApi, keeperApi}) {
      if (api != null) {
        api.close();
      }
    }
    if (aptOrigin != null) {
      aptOrigin.close();
    }
    if (gpg != null) {
      gpg.close();
    }
    for (NodeProcess node : nodes) {
      node.close();
    }
    clients.shutdownNow();
    if (origin != null) {
      origin.close();
    }
    if (dir != null) {
      ObservabilityIT.deleteTree(dir);
    }
  }

  @Test
  void rogueMember_costsTime_neverCorrectness() throws Exception {
    rogueApi = RoguePeerApi.start();
    NodeId rogueId = NodeId.random(new java.security.SecureRandom());
    rogue = Rogue.join(clusterName, seeds, rogueId, rogueApi.port());
    LoopbackClusterIT.awaitWholeView(NODES + 1, nodes);
    List<NodeId> view = new ArrayList<>(honestIds);
    view.add(rogueId);

    // The objects: named by their digests, and picked so that each kind of lie has its share of keys.
    List<Item> items = items(view, rogueId);
    for (Item item : items) {
      rogueApi.sizes.put(item.key().id(), item.size());
    }
    rogue.lure(items);

    // A second rogue claims node 0's id, and gossips its own (rogue) peer port in that name.
    impostor = Rogue.join(clusterName, seeds, honestIds.get(0), rogueApi.port());
    awaitLogged("claims node id " + honestIds.get(0));
    String honestPeerApi = selfPeerApi(nodes.get(0));
    for (int round = 0; round < 3; round++) {
      impostor.broadcast(new Message.Load(0, 0, 0, 0, rogueApi.port(), "impostor"));
      for (Item item : items) {
        impostor.sendTo(Rendezvous.owner(item.key(), view), new Message.Have(item.key(), item.size() + 1, wrongDigest()));
      }
      Thread.sleep(300);
    }

    // Before anyone fetches: "I hold it" (wrong size and digest) at the honest arbiters of the poisoned keys.
    for (Item item : items) {
      if (item.kind() == Kind.POISONED) {
        rogue.sendTo(Rendezvous.owner(item.key(), view), new Message.Have(item.key(), item.size() + 3, wrongDigest()));
      }
    }
    Thread.sleep(300);

    Map<Integer, Long> rejectedBefore = rejectedTotals();
    long started = System.nanoTime();
    List<CompletableFuture<ProxyClient.Fetched>> requests = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (Item item : items) {
      for (int n = 0; n < NODES; n++) {
        NodeProcess node = nodes.get(n);
        labels.add("node" + n + " " + item.kind() + " " + item.path());
        requests.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
            return node.client().get(item.url());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, clients));
      }
    }
    go.countDown();
    // Forging starts once the forged keys' fetches are granted: a Have that came first would poison those
    // keys as the poisoned ones are, and leave no key where the forged answers alone are put to the test.
    awaitUpstreamGets(items.stream().filter(item -> item.kind() == Kind.FORGED).toList());
    rogue.startForging(items, view, honestIds);
    List<String> wrong = new ArrayList<>();
    Map<String, Long> answers = new TreeMap<>();
    for (int i = 0; i < requests.size(); i++) {
      Item item = items.get(i / NODES);
      try {
        ProxyClient.Fetched f = requests.get(i).get(2, TimeUnit.MINUTES);
        answers.merge(item.kind() + ":" + f.cache(), 1L, Long::sum);
        if (f.status() != 200 || !item.sha256().hex().equals(f.sha256()) || f.size() != item.size()) {
          wrong.add(labels.get(i) + ": status " + f.status() + ", " + f.size() + " bytes, sha256 " + f.sha256());
        }
      } catch (java.util.concurrent.ExecutionException e) {
        wrong.add(labels.get(i) + ": " + e.getCause());
      }
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    for (NodeProcess node : nodes) {
      ObjectsApiIT.awaitIdle(node);
    }
    // A last round of claims now that every digest is known: each contradicts it.
    rogue.forgeRound(items, view, honestIds);
    Thread.sleep(500);
    rogue.stopForging();

    // ---- figures
    Map<String, Long> rejected = new TreeMap<>();
    for (NodeProcess node : nodes) {
      rejectedByReason(node).forEach((reason, n) -> rejected.merge(reason, n, Long::sum));
    }
    Map<String, Long> upstreamGets = new LinkedHashMap<>();
    for (Item item : items) {
      upstreamGets.put(item.kind() + " " + item.key().id().substring(0, 8), origin.count("GET", item.path()));
    }
    System.out.printf("[figure] rogue member: %d objects x %d honest nodes requested at once, done in %d ms;"
        + " answers %s%n", items.size(), NODES, elapsedMillis, answers);
    System.out.printf("[figure] rogue member: forged messages sent %d (answers %d, Done %d, Have %d, Announce %d),"
        + " Wants answered with itself %d, wrong bodies served by its peer API %d%n", rogue.forged.get(),
        rogue.forgedAnswers.get(), rogue.forgedDone.get(), rogue.forgedHave.get(), rogue.forgedAnnounce.get(),
        rogue.luresSent.get(), rogueApi.served.get());
    System.out.printf("[figure] rogue member: rejected by the honest nodes, by reason %s (before the forging: %s)%n",
        rejected, rejectedBefore);
    System.out.printf("[figure] rogue member: upstream GETs per object %s%n", upstreamGets);

    // ---- correctness: every client got the origin's bytes
    assertTrue(wrong.isEmpty(), "clients that did not get the origin's exact bytes: " + wrong);

    // No honest store holds a wrong body.
    for (int n = 0; n < NODES; n++) {
      JsonArray objects = ObjectsApiIT.objects(nodes.get(n).port()).getJsonArray("objects");
      Map<String, Item> byKey = new LinkedHashMap<>();
      items.forEach(item -> byKey.put(item.key().id(), item));
      int held = 0;
      for (int i = 0; i < objects.size(); i++) {
        JsonObject object = objects.getJsonObject(i);
        Item item = byKey.get(object.getString("key"));
        assertNotNull(item, "node" + n + " holds an object nobody asked for: " + object.encode());
        assertEquals("complete", object.getString("state"), "node" + n + ": " + object.encode());
        assertEquals(item.sha256().hex(), object.getString("sha256"), "node" + n + " stored a wrong body: " + object);
        assertEquals(item.size(), object.getLong("size"), "node" + n + ": " + object.encode());
        held++;
      }
      assertEquals(items.size(), held, "node" + n + " keeps every object it served");
    }

    // No honest node blocklists another; the rogue may be (it served wrong bytes to whoever it lured).
    Map<String, Long> blocklistedRogue = new TreeMap<>();
    for (int n = 0; n < NODES; n++) {
      JsonObject blocklisted = nodes.get(n).status().getJsonObject("cluster").getJsonObject("blocklisted");
      for (NodeId honest : honestIds) {
        assertFalse(blocklisted.containsKey(honest.hex()), "node" + n + " blocklisted honest " + honest + ": "
            + blocklisted.encode());
      }
      blocklistedRogue.put("node" + n, blocklisted.containsKey(rogueId.hex()) ? 1L : 0L);
    }
    System.out.printf("[figure] rogue member: honest nodes that blocklisted the rogue %s%n", blocklistedRogue);

    // The forged answers were refused, and counted.
    assertTrue(rejected.getOrDefault("not_arbiter", 0L) > 0, "answers from a non-arbiter are counted: " + rejected);
    assertTrue(rejected.getOrDefault("not_lease_holder", 0L) > 0, "Done without the lease is counted: " + rejected);
    assertTrue(rejected.getOrDefault("digest_conflict", 0L) > 0, "claims against a known digest: " + rejected);
    for (int n = 0; n < NODES; n++) {
      long total = rejectedByReason(nodes.get(n)).values().stream().mapToLong(Long::longValue).sum();
      assertTrue(total > 0, "node" + n + " rejected nothing");
    }

    // The impostor is refused: node 0's id stays bound to node 0, its peer API where node 0 says it is.
    for (int n = 0; n < NODES; n++) {
      JsonArray members = nodes.get(n).status().getJsonObject("cluster").getJsonArray("members");
      assertEquals(NODES + 1, members.size(), "node" + n + ": " + members.encode());
      for (int i = 0; i < members.size(); i++) {
        JsonObject member = members.getJsonObject(i);
        if (member.getString("nodeId").equals(honestIds.get(0).hex())) {
          assertEquals(honestPeerApi, member.getString("peerApi"), "node" + n + " follows the impostor: " + members);
        }
      }
      assertTrue(nodes.get(n).output().contains("claims node id " + honestIds.get(0)),
          "node" + n + " says it refused the impostor");
    }
    assertTrue(rogueApi.served.get() > 0, "the rogue lured nobody: the test tested nothing");
    // What the rogue costs is bounded: at worst each honest node fetches an object from upstream itself.
    for (Item item : items) {
      assertTrue(origin.count("GET", item.path()) <= NODES, "upstream GETs per object: " + upstreamGets);
    }
  }

  // ---- the objects

  /**
   * {@code PER_KIND} objects of each kind: lured ones are arbitrated by the rogue, the others by honest
   * nodes. Bodies of 0.5-2 MiB, served at a LAN-ish rate so that fetches overlap the forging.
   */
  private List<Item> items(List<NodeId> view, NodeId rogueId) throws Exception {
    Map<Kind, List<Item>> chosen = new LinkedHashMap<>();
    for (Kind kind : Kind.values()) {
      chosen.put(kind, new ArrayList<>());
    }
    for (long seed = 1; chosen.values().stream().anyMatch(l -> l.size() < PER_KIND); seed++) {
      long size = 512 * KB + (seed * 389 * KB) % (1536 * KB);
      String probe = "/probe/" + seed;
      origin.route(probe, OriginServer.body(size, seed));
      Sha256 sha256 = new Sha256(origin.sha256(probe));
      String path = "/debian/dists/stable/main/binary-all/by-hash/SHA256/" + sha256.hex();
      String url = origin.url(path);
      // A self-certifying name: the node knows the object by its content's digest.
      ObjectKey key = new ObjectKey(sha256.hex());
      boolean rogueArbitrates = Rendezvous.owner(key, view).equals(rogueId);
      Kind kind = rogueArbitrates ? Kind.LURED
          : chosen.get(Kind.POISONED).size() <= chosen.get(Kind.FORGED).size() ? Kind.POISONED : Kind.FORGED;
      if (chosen.get(kind).size() < PER_KIND) {
        origin.route(path, OriginServer.body(size, seed).withRate(4 * 1024 * KB));
        chosen.get(kind).add(new Item(kind, path, url, key, size, sha256));
      }
    }
    List<Item> items = new ArrayList<>();
    chosen.values().forEach(items::addAll);
    return items;
  }

  private void awaitUpstreamGets(List<Item> granted) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (Item item : granted) {
      while (origin.count("GET", item.path()) == 0) {
        assertTrue(System.nanoTime() < deadline, "no upstream fetch of " + item.path() + " within 30 s");
        Thread.sleep(5);
      }
    }
  }

  private static final SplittableRandom RANDOM = new SplittableRandom();

  private static synchronized Sha256 wrongDigest() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return new Sha256(HexFormat.of().formatHex(bytes));
  }

  // ---- reading the honest nodes

  /**
   * A rogue member that is the keeper of an apt suite's InRelease (the arbiter of its URL) serves an
   * altered copy: the node that asked blocklists it, fetches the file upstream itself, and its client
   * gets the repository's exact bytes.
   */
  @Test
  void rogueKeeper_alteredInRelease_blocklisted_clientGetsTheRepositorysBytes() throws Exception {
    keeperApi = RoguePeerApi.start();
    NodeId keeperId = NodeId.random(new java.security.SecureRandom());
    keeper = Rogue.join(clusterName, seeds, keeperId, keeperApi.port());
    List<NodeId> view = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!view.contains(keeperId)) {
      assertTrue(System.nanoTime() < deadline, "the rogue keeper did not join the view");
      Thread.sleep(200);
      view = memberIds(nodes.get(0));
    }
    // Wait until node 0 knows the keeper's peer API (from its Load) as well.
    while (peerApiOf(nodes.get(0), keeperId) == null) {
      assertTrue(System.nanoTime() < deadline, "node 0 never learnt the rogue keeper's peer API");
      Thread.sleep(200);
    }

    Path aptRoot = Files.createDirectories(dir.resolve("apt"));
    aptOrigin = StaticFileServer.start(aptRoot);
    String suite = null;
    for (int i = 0; suite == null; i++) {
      String candidate = "s" + i;
      ObjectKey key = ObjectKey.of(dev.potluck.protocol.CanonicalUrl.parse(aptOrigin.url() + "dists/" + candidate
          + "/InRelease"));
      if (Rendezvous.owner(key, view).equals(keeperId)) {
        suite = candidate;
      }
    }
    String path = "dists/" + suite + "/InRelease";
    String release = "Origin: Example\nSuite: " + suite + "\nCodename: " + suite + "\nDate: "
        + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now(
            java.time.ZoneOffset.UTC).minusMinutes(5)) + "\nSHA256:\n"
        + " " + "0".repeat(64) + " 10 main/binary-all/Packages\n";
    byte[] genuine = gpg.clearSign(release, "SHA256", signer);
    Files.createDirectories(aptRoot.resolve(path).getParent());
    Files.write(aptRoot.resolve(path), genuine);
    String url = aptOrigin.url() + path;
    byte[] altered = new String(genuine, java.nio.charset.StandardCharsets.UTF_8)
        .replace("Origin: Example", "Origin: Exampla").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    keeperApi.metadata.put(ObjectKey.of(dev.potluck.protocol.CanonicalUrl.parse(url)).id(), altered);

    ProxyClient.Fetched viaNode = new ProxyClient(nodes.get(0).port()).get(url);
    assertEquals(200, viaNode.status());
    assertEquals(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(genuine)),
        viaNode.sha256(), "the client gets the repository's own InRelease");
    assertTrue(keeperApi.metadataServed.get() > 0, "node 0 asked its keeper first");
    JsonObject blocklist = nodes.get(0).status().getJsonObject("cluster").getJsonObject("blocklisted");
    assertTrue(blocklist != null && blocklist.containsKey(keeperId.toString())
        && blocklist.getString(keeperId.toString()).contains("altered"),
        "node 0 blocklists the keeper that served an altered InRelease: " + blocklist);
    assertEquals(1, aptOrigin.requestCount("/" + path), "node 0 fetched it upstream itself after the refusal");
  }

  private static List<NodeId> memberIds(NodeProcess node) throws Exception {
    JsonArray members = node.status().getJsonObject("cluster").getJsonArray("members");
    List<NodeId> out = new ArrayList<>();
    for (int i = 0; i < members.size(); i++) {
      out.add(NodeId.parse(members.getJsonObject(i).getString("nodeId")));
    }
    return out;
  }

  private static String peerApiOf(NodeProcess node, NodeId member) throws Exception {
    JsonArray members = node.status().getJsonObject("cluster").getJsonArray("members");
    for (int i = 0; i < members.size(); i++) {
      if (members.getJsonObject(i).getString("nodeId").equals(member.toString())) {
        return members.getJsonObject(i).getString("peerApi");
      }
    }
    return null;
  }

  private Map<Integer, Long> rejectedTotals() throws Exception {
    Map<Integer, Long> out = new TreeMap<>();
    for (int n = 0; n < NODES; n++) {
      out.put(n, rejectedByReason(nodes.get(n)).values().stream().mapToLong(Long::longValue).sum());
    }
    return out;
  }

  private static Map<String, Long> rejectedByReason(NodeProcess node) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    Map<String, Long> out = new TreeMap<>();
    Matcher m = REJECTED.matcher(response.body());
    while (m.find()) {
      out.merge(m.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
    }
    assertFalse(out.isEmpty(), "no potluck_rejected_messages_total in /metrics");
    return out;
  }

  private static String selfPeerApi(NodeProcess node) throws Exception {
    JsonArray members = node.status().getJsonObject("cluster").getJsonArray("members");
    for (int i = 0; i < members.size(); i++) {
      if (members.getJsonObject(i).getBoolean("self")) {
        return members.getJsonObject(i).getString("peerApi");
      }
    }
    throw new AssertionError("no self in " + members.encode());
  }

  private void awaitLogged(String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (NodeProcess node : nodes) {
      while (!node.output().contains(text)) {
        assertTrue(System.nanoTime() < deadline, "no node logged '" + text + "' within 60 s:\n" + node.output());
        Thread.sleep(100);
      }
    }
  }

  // ---- the rogue

  /** A member of the group run in this JVM, with the node's own cluster class, that lies. */
  private static final class Rogue implements JGroupsCluster.Listener, AutoCloseable {
    private final NodeId self;
    private final int peerPort;
    private volatile JGroupsCluster cluster;
    /** Sends happen off JGroups' threads: a send may block under flow control. */
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "rogue-send");
      t.setDaemon(true);
      return t;
    });
    private final java.util.concurrent.ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "rogue-tick");
          t.setDaemon(true);
          return t;
        });
    private final Map<String, Item> lures = new ConcurrentHashMap<>();
    private volatile java.util.concurrent.ScheduledFuture<?> forging;
    private long nextGuess;
    final AtomicLong forged = new AtomicLong();
    final AtomicLong forgedAnswers = new AtomicLong();
    final AtomicLong forgedDone = new AtomicLong();
    final AtomicLong forgedHave = new AtomicLong();
    final AtomicLong forgedAnnounce = new AtomicLong();
    final AtomicLong luresSent = new AtomicLong();
    final List<List<NodeId>> views = new CopyOnWriteArrayList<>();

    private Rogue(NodeId self, int peerPort) {
      this.self = self;
      this.peerPort = peerPort;
    }

    static Rogue join(String clusterName, List<InetSocketAddress> seeds, NodeId id, int peerPort) throws Exception {
      Rogue rogue = new Rogue(id, peerPort);
      ClusterSettings settings = new ClusterSettings(clusterName, InetAddress.getByName("127.0.0.1"),
          NodeProcess.freePort(), seeds, null);
      rogue.cluster = JGroupsCluster.join(settings, id, rogue);
      // Its peer API, where lured nodes go, gossiped like an honest node's.
      rogue.ticker.scheduleAtFixedRate(() -> rogue.broadcast(new Message.Load(0, 0, 0, 0, peerPort, "rogue")),
          0, 500, TimeUnit.MILLISECONDS);
      return rogue;
    }

    /** Answers every Want for these keys (it arbitrates them) with a FetchFrom naming itself. */
    void lure(List<Item> items) {
      for (Item item : items) {
        lures.put(item.key().id(), item);
      }
    }

    void startForging(List<Item> items, List<NodeId> view, List<NodeId> honest) {
      forging = ticker.scheduleAtFixedRate(() -> forgeRound(items, view, honest), 0, 200, TimeUnit.MILLISECONDS);
    }

    void stopForging() {
      if (forging != null) {
        forging.cancel(false);
      }
    }

    /**
     * For each key it does not arbitrate: answers to every honest node (request ids guessed, as a node
     * numbers its requests from 1), and claims to the key's arbiter, all with wrong sizes and digests.
     */
    synchronized void forgeRound(List<Item> items, List<NodeId> view, List<NodeId> honest) {
      long guess = 1 + (nextGuess++ % 16);
      for (Item item : items) {
        NodeId arbiter = Rendezvous.owner(item.key(), view);
        if (arbiter.equals(self)) {
          continue;
        }
        for (NodeId node : honest) {
          send(node, new Message.Grant(guess, item.key(), 0), forgedAnswers);
          send(node, new Message.StreamFrom(guess, item.key(), List.of(self)), forgedAnswers);
          send(node, new Message.FetchFrom(guess, item.key(), List.of(self), item.size() + 5, wrongDigest()),
              forgedAnswers);
          send(node, new Message.Announce(item.key(), item.size() - 1, wrongDigest()), forgedAnnounce);
        }
        send(arbiter, new Message.Done(item.key(), item.size() + 2, wrongDigest()), forgedDone);
        send(arbiter, new Message.Have(item.key(), item.size() + 4, wrongDigest()), forgedHave);
      }
    }

    private void send(NodeId to, Message message, AtomicLong counter) {
      counter.incrementAndGet();
      forged.incrementAndGet();
      sendTo(to, message);
    }

    void sendTo(NodeId to, Message message) {
      try {
        sender.execute(() -> {
          try {
            cluster.send(to, message);
          } catch (Exception e) {
            // A rogue does not care.
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        // closed
      }
    }

    void broadcast(Message message) {
      try {
        sender.execute(() -> {
          try {
            cluster.broadcast(message);
          } catch (Exception e) {
            // A rogue does not care.
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        // closed
      }
    }

    @Override
    public void onView(List<NodeId> members) {
      views.add(members);
    }

    @Override
    public void onMessage(NodeId from, Message message) {
      if (message instanceof Message.Want want) {
        Item item = lures.get(want.key().id());
        if (item != null) {
          // The digest its name promises, so that only the bytes give the lie away.
          luresSent.incrementAndGet();
          sendTo(from, new Message.FetchFrom(want.requestId(), want.key(), List.of(self), item.size(), item.sha256()));
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      ticker.shutdownNow();
      sender.shutdown();
      sender.awaitTermination(5, TimeUnit.SECONDS);
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /** The rogue's peer API: for any key, a body of the object's length whose bytes are wrong. */
  private static final class RoguePeerApi implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "rogue-peer-api");
      t.setDaemon(true);
      return t;
    });
    final Map<String, Long> sizes = new ConcurrentHashMap<>();
    /** Metadata it serves as a keeper, by URL key. */
    final Map<String, byte[]> metadata = new ConcurrentHashMap<>();
    final AtomicLong metadataServed = new AtomicLong();
    final AtomicLong served = new AtomicLong();

    private RoguePeerApi(HttpServer server) {
      this.server = server;
    }

    static RoguePeerApi start() throws IOException {
      RoguePeerApi api = new RoguePeerApi(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64));
      api.server.createContext("/", api::handle);
      api.server.setExecutor(api.executor);
      api.server.start();
      return api;
    }

    int port() {
      return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        String path = exchange.getRequestURI().getRawPath();
        ObjectKey metadataKey = PeerApi.metadataKeyOf(path);
        if (metadataKey != null) {
          byte[] body = metadata.get(metadataKey.id());
          metadataServed.incrementAndGet();
          if (body == null) {
            exchange.sendResponseHeaders(404, -1);
            return;
          }
          exchange.getResponseHeaders().set(PeerApi.VALIDATED_AT_HEADER, Long.toString(System.currentTimeMillis()));
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          return;
        }
        ObjectKey key = PeerApi.keyOf(path);
        if (key == null || !exchange.getRequestMethod().equals("GET")) {
          // Asked to re-check its copy, or anything else: "fine".
          exchange.sendResponseHeaders(204, -1);
          return;
        }
        long size = sizes.getOrDefault(key.id(), 4096L);
        served.incrementAndGet();
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.getResponseHeaders().set(PeerApi.SIZE_HEADER, Long.toString(size));
        exchange.sendResponseHeaders(200, size);
        byte[] chunk = new byte[64 * 1024];
        SplittableRandom random = new SplittableRandom(size);
        OutputStream out = exchange.getResponseBody();
        for (long left = size; left > 0; ) {
          random.nextBytes(chunk);
          int n = (int) Math.min(chunk.length, left);
          out.write(chunk, 0, n);
          left -= n;
        }
      } catch (IOException e) {
        // The lured node hung up: fine.
      }
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
