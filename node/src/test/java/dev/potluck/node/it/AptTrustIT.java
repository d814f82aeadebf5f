package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.apt.AptPrerequisites;
import dev.potluck.testkit.apt.AptGet;
import dev.potluck.testkit.apt.AptRepository;
import dev.potluck.testkit.apt.Sha256;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One bad host must not poison the LAN. Three hosts in network namespaces, each with a
 * zero-configuration node (no secret: an open group) and real apt, and a signed repository on a
 * fourth. After host A's node has fetched everything, its stored copy of a package is altered the way
 * bit rot or a compromised machine would alter it: other bytes of the same length, and the digest
 * recorded beside it rewritten to match. Hosts B and C then install through their own nodes: apt must
 * see nothing wrong, no other cache may ever hold the bad bytes, and host A is blocklisted and drops
 * its copy. Needs root, iproute2, curl, python3, gpg and Debian's apt tools (skips otherwise).
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class AptTrustIT {

  private static final int[] SIZES = {200 * 1024, 3 << 20, 600 * 1024};
  private static final String NODE = "http://" + NamespaceNode.LISTEN + "/";

  @TempDir Path work;

  private final AptLan lan = new AptLan();
  private final List<NamespaceNode> nodes = lan.nodes;
  private NamespaceOrigin origin;

  @AfterEach
  void cleanUp() throws Exception {
    lan.close();
  }

  @Test
  void alteredHolder_othersInstallCleanly_andTheBadBytesGoNowhere() throws Exception {
    AptPrerequisites.assumeMet();
    lan.namespaces = NetworkNamespaces.create();
    NodeProcess.jar();
    String[] hosts = lan.namespaces.bridge(4);
    AptRepository repository = AptRepository.create(work.resolve("repo"), SIZES.length, i -> SIZES[i], 11L);
    origin = lan.origin = NamespaceOrigin.start(hosts[3], "10.204.0.4", repository.root(), 16 << 20, work);
    String keyring = repository.keyring().toString();
    for (int i = 0; i < 3; i++) {
      nodes.add(NamespaceNode.start(hosts[i], work, "--keyring", keyring));
    }
    lan.awaitWholeView(120);
    String sources = repository.sourcesLine(origin.url());

    AptGet hostA = apt(hosts[0], "host-a", sources);
    lan.clean(hostA.update());
    lan.clean(hostA.download(repository.packageNames()));
    JsonObject trustA = nodes.get(0).status().getJsonObject("trust");
    assertEquals("open", trustA.getString("group"), trustA.encode());
    assertTrue(trustA.getJsonObject("verified").getLong("signed-metadata") >= SIZES.length,
        "host A's node checked every package against the signed Packages index: " + trustA.encode());

    // Host A's copy of the largest package goes bad, digest record and all.
    AptRepository.Package victim = repository.packages().stream()
        .max(java.util.Comparator.comparingLong(AptRepository.Package::size)).orElseThrow();
    Path cacheA = work.resolve("cache-" + hosts[0]);
    String badSha = StoredCopies.alter(cacheA, victim.sha256(), victim.size());
    assertNotEquals(victim.sha256(), badSha);

    AptGet hostB = apt(hosts[1], "host-b", sources);
    lan.clean(hostB.update());
    lan.clean(hostB.installDownloadOnly(repository.packageNames()));
    AptLan.assertDownloadsIntact(repository, hostB.archivesDir());

    AptGet hostC = apt(hosts[2], "host-c", sources);
    lan.clean(hostC.update());
    lan.clean(hostC.installDownloadOnly(repository.packageNames()));
    AptLan.assertDownloadsIntact(repository, hostC.archivesDir());

    JsonObject clusterB = nodes.get(1).status().getJsonObject("cluster");
    String idA = nodes.get(0).status().getString("nodeId");
    awaitTrue(() -> !StoredCopies.stored(cacheA, victim.sha256()), 30, "host A's node drops its altered copy");
    for (int i = 1; i < 3; i++) {
      Path cache = work.resolve("cache-" + hosts[i]);
      assertEquals(victim.sha256(), StoredCopies.storedSha(cache, victim.sha256()),
          "host " + i + "'s cache holds the right bytes");
    }
    long victimGets = origin.requests().stream()
        .filter(r -> r.method().equals("GET") && r.path().equals(victim.urlPath())).count();
    System.out.printf("[figure] altered holder: hosts B and C installed cleanly; upstream GETs of the altered package"
            + " %d; host B's blocklist %s; host A's copy dropped%n", victimGets,
        clusterB == null ? "{}" : clusterB.getJsonObject("blocklisted").encode());
    boolean blocklistedByB = clusterB != null && clusterB.getJsonObject("blocklisted").containsKey(idA);
    boolean blocklistedByC = nodes.get(2).status().getJsonObject("cluster").getJsonObject("blocklisted").containsKey(idA);
    assertTrue(blocklistedByB || blocklistedByC, "whoever was offered host A's bad copy blocklisted it: "
        + clusterB + "\n" + nodes.get(1).report());
    assertTrue(victimGets <= 2, "the altered package came from upstream again at most once: " + victimGets);
  }

  @Test
  void unknownKey_nothingIsShared_aptIsUnaffected_andTheNodeSaysWhy() throws Exception {
    AptPrerequisites.assumeMet();
    lan.namespaces = NetworkNamespaces.create();
    NodeProcess.jar();
    String[] hosts = lan.namespaces.bridge(3);
    AptRepository repository = AptRepository.create(work.resolve("repo"), 2, i -> 300 * 1024, 12L);
    origin = lan.origin = NamespaceOrigin.start(hosts[2], "10.204.0.3", repository.root(), 16 << 20, work);
    // No --keyring: the nodes trust only the host's apt keys, which did not sign this repository.
    for (int i = 0; i < 2; i++) {
      nodes.add(NamespaceNode.start(hosts[i], work));
    }
    lan.awaitWholeView(120);
    String sources = repository.sourcesLine(origin.url());
    for (int i = 0; i < 2; i++) {
      AptGet host = apt(hosts[i], "host-" + i, sources);
      lan.clean(host.update());
      lan.clean(host.installDownloadOnly(repository.packageNames()));
      AptLan.assertDownloadsIntact(repository, host.archivesDir());
    }
    for (AptRepository.Package p : repository.packages()) {
      long gets = origin.requests().stream().filter(r -> r.method().equals("GET") && r.path().equals(p.urlPath()))
          .count();
      assertEquals(2, gets, p.urlPath() + ": unverifiable, so each node fetched its own copy");
    }
    JsonObject trust = nodes.get(1).status().getJsonObject("trust");
    System.out.println("[figure] unknown repository key: " + trust.encode());
    assertTrue(trust.getJsonArray("unverifiedRepositories").encode().contains("InRelease"), trust.encode());
    assertTrue(nodes.get(1).log().contains("not sharing what"), nodes.get(1).report());
  }

  @Test
  void upstreamServingOtherBytesThanTheSignedIndex_clientGets502NamingBothDigests_nothingIsKept() throws Exception {
    AptPrerequisites.assumeMet();
    lan.namespaces = NetworkNamespaces.create();
    NodeProcess.jar();
    String[] hosts = lan.namespaces.bridge(2);
    AptRepository repository = AptRepository.create(work.resolve("repo"), 2, i -> 400 * 1024, 13L);
    origin = lan.origin = NamespaceOrigin.start(hosts[1], "10.204.0.2", repository.root(), 16 << 20, work);
    NamespaceNode node = NamespaceNode.start(hosts[0], work, "--keyring", repository.keyring().toString());
    nodes.add(node);
    node.awaitReady(120);
    lan.clean(apt(hosts[0], "host", repository.sourcesLine(origin.url())).update());

    AptRepository.Package p = repository.packages().get(0);
    Path file = repository.root().resolve(p.urlPath().substring(1));
    byte[] right = Files.readAllBytes(file);
    String url = origin.url(p.urlPath());
    Path got = Files.createDirectories(work.resolve("got"));

    // A different length: refused before a byte reaches the client.
    Files.write(file, java.util.Arrays.copyOf(right, right.length + 100));
    NetworkNamespaces.run(node.curl(url, got, "longer"));
    NamespaceNode.Fetched longer = NamespaceNode.fetched(got, "longer");
    String message = Files.readString(got.resolve("longer.body"));
    System.out.println("[figure] upstream body of another length: " + longer.status() + " " + message.strip());
    assertEquals(502, longer.status());
    assertTrue(message.contains(url) && message.contains(p.sha256()) && message.contains(Long.toString(p.size())),
        "the message names the URL, the signed size and digest: " + message);

    // The same length, other bytes: found out when the body is whole, before the client gets it.
    byte[] same = right.clone();
    same[same.length / 2] ^= 0x55;
    Files.write(file, same);
    NetworkNamespaces.run(node.curl(url, got, "same-length"));
    NamespaceNode.Fetched wrong = NamespaceNode.fetched(got, "same-length");
    String why = Files.readString(got.resolve("same-length.body"));
    System.out.println("[figure] upstream body of the right length, other bytes: " + wrong.status() + " " + why.strip());
    assertEquals(502, wrong.status());
    assertTrue(why.contains(url) && why.contains(Sha256.of(file)) && why.contains(p.sha256()),
        "the message names the URL and both digests: " + why);
    assertTrue(node.log().contains(Sha256.of(file)) && node.log().contains(p.sha256()),
        "the log names both digests:\n" + node.report());

    // Upstream repaired: the next request tries again and gets the right bytes.
    Files.write(file, right);
    NamespaceNode.Fetched again = node.fetch(url, got, "again");
    assertEquals(200, again.status());
    assertEquals(p.sha256(), again.sha256());
    assertEquals("miss", again.cache(), "nothing wrong was kept, so this is a fresh fetch");
  }

  @Test
  void twoMirrorsOfOneRepository_eachPackageCrossesTheUplinkOnce() throws Exception {
    AptPrerequisites.assumeMet();
    lan.namespaces = NetworkNamespaces.create();
    NodeProcess.jar();
    String[] hosts = lan.namespaces.bridge(4);
    AptRepository repository = AptRepository.create(work.resolve("repo"), 3, i -> (i + 1) * 500 * 1024, 14L);
    // Two mirrors of the same repository, at two addresses: every package has two URLs.
    origin = lan.origin = NamespaceOrigin.start(hosts[2], "10.204.0.3", repository.root(), 16 << 20,
        Files.createDirectories(work.resolve("mirror-1")));
    NamespaceOrigin second = NamespaceOrigin.start(hosts[3], "10.204.0.4", repository.root(), 16 << 20,
        Files.createDirectories(work.resolve("mirror-2")));
    try {
      String keyring = repository.keyring().toString();
      for (int i = 0; i < 2; i++) {
        nodes.add(NamespaceNode.start(hosts[i], work, "--keyring", keyring));
      }
      lan.awaitWholeView(120);
      AptGet hostA = apt(hosts[0], "host-a", repository.sourcesLine(origin.url()));
      lan.clean(hostA.update());
      lan.clean(hostA.download(repository.packageNames()));
      AptGet hostB = apt(hosts[1], "host-b", repository.sourcesLine(second.url()));
      lan.clean(hostB.update());
      lan.clean(hostB.installDownloadOnly(repository.packageNames()));
      AptLan.assertDownloadsIntact(repository, hostB.archivesDir());

      JsonObject answersB = nodes.get(1).status().getJsonObject("answers");
      System.out.printf("[figure] one repository through two mirrors: mirror 1 served %s, mirror 2 served %s; host B's"
          + " node answered %s%n", origin.counts(), second.counts(), answersB.encode());
      for (AptRepository.Package p : repository.packages()) {
        long first = origin.requests().stream().filter(r -> r.method().equals("GET") && r.path().equals(p.urlPath()))
            .count();
        long other = second.requests().stream().filter(r -> r.method().equals("GET") && r.path().equals(p.urlPath()))
            .count();
        assertEquals(1, first + other, p.urlPath() + ": one object on the LAN, fetched once through either mirror");
      }
      assertTrue(answersB.getLong("peer", 0L) >= repository.packages().size(),
          "host B's node took every package from host A's, under another URL: " + answersB.encode());
    } finally {
      second.close();
    }
  }

  @Test
  void metadataReadBeforeTheNodeRan_theNodeFetchesAndVerifiesItItself() throws Exception {
    AptPrerequisites.assumeMet();
    lan.namespaces = NetworkNamespaces.create();
    NodeProcess.jar();
    String[] hosts = lan.namespaces.bridge(3);
    AptRepository repository = AptRepository.create(work.resolve("repo"), 3, i -> (i + 1) * 400 * 1024, 15L);
    origin = lan.origin = NamespaceOrigin.start(hosts[2], "10.204.0.3", repository.root(), 16 << 20, work);
    String sources = repository.sourcesLine(origin.url());
    // apt reads its lists straight from the repository, before (or without) the node.
    List<AptGet> direct = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      AptGet host = AptGet.create(work.resolve("host-" + i), sources, null)
          .withCommandPrefix(NetworkNamespaces.in(hosts[i], List.of()));
      lan.clean(host.update());
      direct.add(host);
    }
    // Each node reads the host's apt sources (the sources line names the repository's key with
    // signed-by, so no --keyring is needed).
    for (int i = 0; i < 2; i++) {
      nodes.add(NamespaceNode.start(hosts[i], work, "--apt-sources", work.resolve("host-" + i).resolve("etc").toString()));
    }
    lan.awaitWholeView(120);
    for (int i = 0; i < 2; i++) {
      AptGet host = apt(hosts[i], "host-" + i, sources);
      lan.clean(host.download(repository.packageNames()));
      AptLan.assertDownloadsIntact(repository, host.downloadDir());
    }
    JsonObject trustA = nodes.get(0).status().getJsonObject("trust");
    JsonObject answersB = nodes.get(1).status().getJsonObject("answers");
    System.out.printf("[figure] metadata the node had not seen: origin served %s; node A's trust %s; node B answered %s%n",
        origin.counts(), trustA.encode(), answersB.encode());
    assertTrue(trustA.getJsonObject("verified").getLong("signed-metadata") >= repository.packages().size(),
        "node A fetched the InRelease and Packages itself and checked every package against them: " + trustA.encode());
    assertTrue(answersB.getLong("peer", 0L) >= repository.packages().size(),
        "so node B could take every package from node A: " + answersB.encode());
    for (AptRepository.Package p : repository.packages()) {
      long gets = origin.requests().stream().filter(r -> r.method().equals("GET") && r.path().equals(p.urlPath()))
          .count();
      assertEquals(1, gets, p.urlPath() + " crossed the uplink once");
    }
  }

  // ---- helpers

  private AptGet apt(String namespace, String name, String sources) throws Exception {
    return AptGet.create(work.resolve(name), sources, NODE).withCommandPrefix(NetworkNamespaces.in(namespace, List.of()));
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private void awaitTrue(Check check, int seconds, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        StringBuilder why = new StringBuilder(what + ": not within " + seconds + " s");
        for (NamespaceNode node : nodes) {
          why.append("\n").append(node.report());
        }
        throw new AssertionError(why.toString());
      }
      Thread.sleep(200);
    }
  }


}
