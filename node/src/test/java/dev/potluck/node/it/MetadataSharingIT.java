package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.apt.AptPrerequisites;
import dev.potluck.testkit.apt.AptGet;
import dev.potluck.testkit.apt.AptRepository;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repository metadata shared LAN-wide: four network-namespace hosts, each with a zero-configuration
 * node and real apt, and a signed repository (without by-hash, the harder case) on a fifth. The
 * indexes a verified Release lists cross the upstream link once for the LAN; InRelease is revalidated
 * once for the LAN by the member that keeps it; and a repository that publishes new releases while
 * the hosts run {@code apt-get update} never gives apt a mismatched set. Needs root, iproute2, python3
 * and Debian's apt tools (skips otherwise).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class MetadataSharingIT {

  private static final int HOSTS = 4;
  private static final String NODE = "http://" + NamespaceNode.LISTEN + "/";
  private static final String DIST = "/dists/" + AptRepository.SUITE + "/";
  private static final String IN_RELEASE = DIST + "InRelease";
  private static final String PACKAGES_GZ = DIST + "main/binary-all/Packages.gz";
  /** The node's shortest interval between two revalidations that clients force (apt always does). */
  private static final long REVALIDATE_INTERVAL_MILLIS = 10_000;

  @TempDir Path work;

  private final AptLan lan = new AptLan();
  private AptRepository repository;
  private final List<AptGet> clients = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    lan.close();
  }

  @Test
  void aptUpdateOnFourHosts_indexesCrossTheUplinkOnce_inReleaseIsRevalidatedOnceForTheLan() throws Exception {
    startLan();

    TreeMap<String, Long> cold = updateEverywhere("cold");
    assertEquals(1, AptLan.gets(lan.origin, PACKAGES_GZ),
        "Packages.gz, listed by the signed Release, must cross the uplink once for the LAN: " + cold);
    long coldInRelease = AptLan.gets(lan.origin, IN_RELEASE);
    assertTrue(coldInRelease >= 1 && coldInRelease <= HOSTS, "cold InRelease requests: " + cold);

    // apt asks with max-age=0: once the nodes' copies are older than the interval, one revalidation
    // must serve the whole LAN.
    Thread.sleep(REVALIDATE_INTERVAL_MILLIS + 1_000);
    TreeMap<String, Long> warm = updateEverywhere("warm");
    long warmInRelease = AptLan.gets(lan.origin, IN_RELEASE) - coldInRelease;
    assertEquals(1, warmInRelease, "a warm apt update on every host revalidates InRelease once for the LAN: " + warm);
    assertEquals(1, AptLan.gets(lan.origin, PACKAGES_GZ), "an unchanged Packages.gz is never fetched again: " + warm);
    System.out.printf("[figure] apt-get update on %d hosts at once: upstream requests cold %s; after a warm update"
        + " on all %d (InRelease %d more) %s%n", HOSTS, cold, HOSTS, warmInRelease, warm);
  }

  @Test
  void oneHostUpdatesAfterARelease_theOtherNodesHoldItsIndexesBeforeTheirHostsAsk() throws Exception {
    startLan();
    updateEverywhere("first");
    repository.publish("potluck-extra-1", 2048, 1);
    String newIndex = sha256Of(repository.root().resolve(PACKAGES_GZ.substring(1)));
    // Older than the revalidation interval, so that the hosts' copies are due and the news is taken.
    Thread.sleep(REVALIDATE_INTERVAL_MILLIS + 1_000);
    long indexFetches = AptLan.gets(lan.origin, PACKAGES_GZ);

    lan.clean(clients.get(0).update());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<Integer> missing = nodesWithout(newIndex);
    while (!missing.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      missing = nodesWithout(newIndex);
    }
    assertEquals(List.of(), missing, "after host 0's apt update, every node must hold the new Packages.gz "
        + newIndex + " before its own host asks; upstream " + lan.origin.counts());
    // The index's arbiter knows them all as holders: what the dashboard's object list shows.
    int holders = 0;
    while ((holders = mostHoldersKnown(newIndex)) < HOSTS && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertEquals(HOSTS, holders, "the new index's arbiter lists every node as a holder");

    long inReleaseBefore = AptLan.gets(lan.origin, IN_RELEASE);
    for (int i = 1; i < HOSTS; i++) {
      lan.clean(clients.get(i).update());
    }
    assertEquals(indexFetches + 1, AptLan.gets(lan.origin, PACKAGES_GZ),
        "the new Packages.gz crosses the uplink once, for the whole LAN: " + lan.origin.counts());
    // Their InRelease copies were confirmed when the news came; should the interval pass meanwhile (a
    // loaded machine), the LAN revalidates once more, no more.
    long inReleaseAfter = AptLan.gets(lan.origin, IN_RELEASE);
    assertTrue(inReleaseAfter - inReleaseBefore <= 1, "the other hosts' updates: InRelease " + inReleaseBefore
        + " -> " + inReleaseAfter);
    System.out.printf("[figure] a release, then apt-get update on host 0 only: all %d nodes held the new index; the"
        + " other hosts' updates then asked upstream for InRelease %d more time(s), for Packages.gz none: %s%n", HOSTS,
        inReleaseAfter - inReleaseBefore, lan.origin.counts());
  }

  @Test
  void repositoryStuckMidPublish_nodesServeThePreviousReleaseWithItsIndexes() throws Exception {
    startLan("--metadata-max-age", "1s");
    updateEverywhere("first");
    // Release 1 is published while no host looks; then release 2's indexes replace release 1's, and the
    // repository stops before its Release: upstream now has Release 1, whose indexes are gone.
    repository.publish("potluck-extra-1", 1024, 1);
    repository.publishIndexesOnly("potluck-extra-2", 1024, 2);
    Thread.sleep(1_500);
    updateEverywhere("with the repository stuck mid-publish");
    assertTrue(lan.nodes.stream().anyMatch(n -> n.log().contains("serving the previous Release")),
        "a node fell back to the Release whose indexes it holds");

    repository.publishRelease();
    Thread.sleep(1_500);
    updateEverywhere("once the publish is done");
    for (AptGet client : clients) {
      assertTrue(listsText(client).contains("Package: potluck-extra-2"), "every host sees the finished release");
    }
    System.out.printf("[figure] a repository stuck mid-publish (indexes of release 2, Release 1): apt-get update"
        + " clean on all %d hosts, served the previous Release; upstream %s%n", HOSTS, lan.origin.counts());
  }

  @Test
  void originPublishesWhileHostsUpdate_twentyRounds_aptNeverSeesAMismatchedSet() throws Exception {
    // Metadata older than a second is revalidated: nearly every round asks upstream, racing the publisher.
    startLan("--metadata-max-age", "1s");
    updateEverywhere("first");
    Random random = new Random(11);
    ExecutorService publisher = Executors.newSingleThreadExecutor();
    try {
      for (int round = 1; round <= 20; round++) {
        int revision = round;
        long delay = random.nextInt(400);
        Future<?> published = publisher.submit(() -> {
          Thread.sleep(delay);
          return repository.publish("potluck-extra-" + revision, 1024 + revision, revision);
        });
        updateEverywhere("round " + round + " (publishing after " + delay + " ms)");
        published.get(60, TimeUnit.SECONDS);
      }
    } finally {
      publisher.shutdownNow();
    }
    // Once the max age has passed, every host sees the last release.
    Thread.sleep(2_000);
    updateEverywhere("last");
    for (AptGet client : clients) {
      String lists = listsText(client);
      assertTrue(lists.contains("Package: potluck-extra-20"), "every host must see the last release; "
          + client.sourcesLine());
    }
    System.out.printf("[figure] 20 releases published while %d hosts ran apt-get update: no apt errors; upstream"
        + " requests %s%n", HOSTS, lan.origin.counts());
  }

  private void startLan(String... nodeArgs) throws Exception {
    AptPrerequisites.assumeMet();
    lan.namespaces = NetworkNamespaces.create();
    NodeProcess.jar();
    String[] hosts = lan.namespaces.bridge(HOSTS + 1);
    repository = AptRepository.create(work.resolve("repo"), 3, i -> 64 * 1024, 5L);
    lan.origin = NamespaceOrigin.start(hosts[HOSTS], "10.204.0." + (HOSTS + 1), repository.root(), 64 << 20, work);
    String keyring = repository.keyring().toString();
    for (int i = 0; i < HOSTS; i++) {
      List<String> args = new ArrayList<>(List.of("--keyring", keyring));
      args.addAll(List.of(nodeArgs));
      lan.startNode(hosts[i], work, args.toArray(String[]::new));
    }
    lan.awaitWholeView(120);
    String sources = repository.sourcesLine(lan.origin.url());
    for (int i = 0; i < HOSTS; i++) {
      clients.add(AptGet.create(work.resolve("host-" + i), sources, NODE)
          .withCommandPrefix(NetworkNamespaces.in(hosts[i], List.of())));
    }
  }

  /** Runs apt-get update on every host at once; each must be clean. Returns the origin's counts after. */
  private TreeMap<String, Long> updateEverywhere(String when) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(HOSTS);
    try {
      List<Future<AptGet.Result>> runs = new ArrayList<>();
      for (AptGet client : clients) {
        runs.add(pool.submit(client::update));
      }
      for (Future<AptGet.Result> run : runs) {
        AptGet.Result result = run.get(120, TimeUnit.SECONDS);
        try {
          lan.clean(result);
        } catch (AssertionError e) {
          throw new AssertionError("apt-get update, " + when + ": " + e.getMessage(), e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return lan.origin.counts();
  }

  /** The indexes (from 0) of the nodes that do not hold an object with SHA-256 {@code sha256}. */
  private List<Integer> nodesWithout(String sha256) throws Exception {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < HOSTS; i++) {
      JsonArray objects = lan.nodes.get(i).objects().getJsonArray("objects");
      boolean holds = false;
      for (int j = 0; j < objects.size(); j++) {
        JsonObject o = objects.getJsonObject(j);
        holds |= sha256.equals(o.getString("sha256")) && !"partial".equals(o.getString("state"));
      }
      if (!holds) {
        out.add(i);
      }
    }
    return out;
  }

  /** The most holders any node (the arbiter) lists for the object with SHA-256 {@code sha256}. */
  private int mostHoldersKnown(String sha256) throws Exception {
    int most = 0;
    for (NamespaceNode node : lan.nodes) {
      JsonArray objects = node.objects().getJsonArray("objects");
      for (int j = 0; j < objects.size(); j++) {
        JsonObject o = objects.getJsonObject(j);
        JsonArray holders = o.getJsonArray("holders");
        if (sha256.equals(o.getString("sha256")) && holders != null) {
          most = Math.max(most, holders.size());
        }
      }
    }
    return most;
  }

  private static String sha256Of(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static String listsText(AptGet client) throws Exception {
    Path lists = client.configFile().getParent().resolve("state").resolve("lists");
    StringBuilder text = new StringBuilder();
    try (var files = Files.list(lists)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith("_Packages")).toList()) {
        text.append(Files.readString(file));
      }
    }
    return text.toString();
  }
}
