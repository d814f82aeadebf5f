package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.testkit.apt.AptGet;
import dev.potluck.node.apt.AptPrerequisites;
import dev.potluck.testkit.apt.AptRepository;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real apt-get on two hosts of one LAN, each through its own zero-configuration node: two network
 * namespaces on a bridge, each running a node and apt, and a signed repository served from a third.
 * The nodes find each other by mDNS and check what they share against the repository's signed
 * metadata (its key given with --keyring); apt on both hosts must verify everything it gets, and every
 * package must cross the upstream link once, host B's coming from host A's node. Needs root, iproute2,
 * curl, python3 and Debian's apt tools (skips otherwise).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AptTwoHostsIT {

  private static final int[] SIZES = {100 * 1024, 700 * 1024, 2 << 20, 5 << 20, 300};
  private static final String HOST_A = "10.204.0.1";
  private static final String HOST_B = "10.204.0.2";
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
  void aptOnTwoHosts_eachPackageCrossesTheUplinkOnce_hostBServedByHostA() throws Exception {
    AptPrerequisites.assumeMet();
    lan.namespaces = NetworkNamespaces.create();
    NodeProcess.jar();
    String[] hosts = lan.namespaces.bridge(3);
    AptRepository repository = AptRepository.create(work.resolve("repo"), SIZES.length, i -> SIZES[i], 7L);
    origin = lan.origin = NamespaceOrigin.start(hosts[2], "10.204.0.3", repository.root(), 16 << 20, work);

    long start = System.nanoTime();
    // The repository's key, as a sysadmin would name it for a private repository (keys in apt's own
    // keyrings are trusted without it).
    String keyring = repository.keyring().toString();
    NamespaceNode nodeA = NamespaceNode.start(hosts[0], work, "--keyring", keyring);
    nodes.add(nodeA);
    NamespaceNode nodeB = NamespaceNode.start(hosts[1], work, "--keyring", keyring);
    nodes.add(nodeB);
    nodeA.awaitReady(120);
    nodeB.awaitReady(120);
    long ready = System.nanoTime();
    awaitWholeView(start, 120);
    long formed = System.nanoTime();

    String sources = repository.sourcesLine(origin.url());
    AptGet hostA = AptGet.create(work.resolve("host-a"), sources, NODE)
        .withCommandPrefix(NetworkNamespaces.in(hosts[0], List.of()));
    lan.clean(hostA.update());
    lan.clean(hostA.download(repository.packageNames()));
    AptLan.assertDownloadsIntact(repository, hostA.downloadDir());
    for (AptRepository.Package p : repository.packages()) {
      assertEquals(List.of(HOST_A), upstreamGetsBy(p.urlPath()), p.urlPath() + ": one fetch, by host A's node");
    }
    TreeMap<String, Long> afterA = origin.counts();

    JsonObject before = nodeB.status().getJsonObject("answers");
    AptGet hostB = AptGet.create(work.resolve("host-b"), sources, NODE)
        .withCommandPrefix(NetworkNamespaces.in(hosts[1], List.of()));
    lan.clean(hostB.update());
    lan.clean(hostB.installDownloadOnly(repository.packageNames()));
    AptLan.assertDownloadsIntact(repository, hostB.archivesDir());
    JsonObject after = nodeB.status().getJsonObject("answers");
    TreeMap<String, Long> afterB = origin.counts();
    long peerAnswers = after.getLong("peer", 0L) - before.getLong("peer", 0L);

    System.out.printf("[figure] apt on two hosts through two zero-configuration nodes (one view %d ms after their JVMs"
            + " started, %d ms after both were ready), %d packages: upstream requests after host A %s; after host B %s;"
            + " host B's node answered %s (peer +%d)%n",
        TimeUnit.NANOSECONDS.toMillis(formed - start), TimeUnit.NANOSECONDS.toMillis(formed - ready),
        repository.packages().size(), afterA, afterB, after.encode(), peerAnswers);
    for (AptRepository.Package p : repository.packages()) {
      assertEquals(List.of(HOST_A), upstreamGetsBy(p.urlPath()),
          p.urlPath() + " must cross the upstream link once, for host A only: " + afterB);
    }
    assertTrue(peerAnswers >= repository.packages().size(),
        "host B's node must take every package from host A's: answers before " + before.encode() + ", after "
            + after.encode() + "\n" + nodeB.report());
  }


  /** The clients, by address, of the origin's GETs of {@code path}. */
  private List<String> upstreamGetsBy(String path) throws Exception {
    return origin.requests().stream()
        .filter(r -> r.method().equals("GET") && r.path().equals(path))
        .map(NamespaceOrigin.Request::client)
        .toList();
  }

  private void awaitWholeView(long start, int seconds) throws Exception {
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    while (!(nodes.get(0).seesWholeView(2) && nodes.get(1).seesWholeView(2))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the two nodes did not form one view within " + seconds + " s\n"
            + nodes.get(0).describe() + "\n" + nodes.get(1).describe());
      }
      Thread.sleep(200);
    }
  }


}
