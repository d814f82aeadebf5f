package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero configuration on a real LAN: three nodes, each in a network namespace of its own on one bridge,
 * started with nothing but a cache folder, find each other by mDNS, form one group and take files from
 * one another, so that each file crosses the upstream link once. The origin lives in a fifth namespace.
 * A node of another cluster on the same LAN stays out of the group and fetches for itself. Needs root,
 * iproute2, curl and python3 (skips otherwise).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NamespaceClusterIT {

  private static final int MB = 1 << 20;
  private static final String FIRST = "/pool/main/x/x_1.0_all.deb";
  private static final String SECOND = "/pool/main/y/y_1.0_all.deb";

  @TempDir Path work;

  private NetworkNamespaces namespaces;
  private NamespaceOrigin origin;
  private final List<NamespaceNode> nodes = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    try {
      NamespaceNode.closeAll(nodes);
      if (origin != null) {
        origin.close();
      }
    } finally {
      if (namespaces != null) {
        namespaces.close();
      }
    }
  }

  @Test
  void zeroConfigNodes_formOneGroupByMdns_andEachFileCrossesTheUplinkOnce() throws Exception {
    namespaces = NetworkNamespaces.create();
    NodeProcess.jar();
    String[] hosts = namespaces.bridge(5);
    Path www = work.resolve("www");
    String firstSha = writeRandom(www.resolve(FIRST.substring(1)), 3 * MB, 1);
    String secondSha = writeRandom(www.resolve(SECOND.substring(1)), 4 * MB, 2);
    // 8 MiB/s: a file takes about half a second upstream, long enough for the second asker to overlap.
    origin = NamespaceOrigin.start(hosts[4], "10.204.0.5", www, 8 * MB, work);
    Path got = Files.createDirectories(work.resolve("got"));

    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      // Unsigned files are shared only in a cluster with a secret (signed repositories need none).
      nodes.add(NamespaceNode.start(hosts[i], work, NodeProcess.secretArgs(work).toArray(String[]::new)));
    }
    List<NamespaceNode> office = List.copyOf(nodes);
    awaitWithin(start, 120, () -> allReady(office), "three nodes start and join a cluster");
    long ready = System.nanoTime();
    awaitWithin(start, 120, () -> allSeeWholeView(office, 3), "three zero-configuration nodes form one view of 3");
    long formed = System.nanoTime();
    System.out.printf("[figure] 3 zero-configuration nodes in 3 namespaces formed one view by mDNS in %d ms from the"
            + " start of their JVMs, %d ms after the last one was ready%n",
        TimeUnit.NANOSECONDS.toMillis(formed - start), TimeUnit.NANOSECONDS.toMillis(formed - ready));

    // One miss, then two nodes that take the file from the LAN.
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      NamespaceNode.Fetched f = office.get(i).fetch(origin.url(FIRST), got, "first-" + (i + 1));
      assertEquals(200, f.status(), office.get(i).report());
      assertEquals(firstSha, f.sha256(), "node " + (i + 1) + "'s client gets the origin's bytes");
      answers.add(f.cache());
    }
    System.out.printf("[figure] one 3 MiB file through node 1, then nodes 2 and 3: answers %s, upstream GETs %d%n",
        answers, origin.gets(FIRST));
    assertEquals(List.of("miss", "peer", "peer"), answers, "node 1 fetches, nodes 2 and 3 take it from the LAN");
    assertEquals(1, origin.gets(FIRST), "one upstream fetch for the group: " + origin.counts());

    // Two nodes ask for a file nobody has, at the same moment.
    Process two = new ProcessBuilder(office.get(1).curl(origin.url(SECOND), got, "second-2"))
        .redirectErrorStream(true).start();
    Process three = new ProcessBuilder(office.get(2).curl(origin.url(SECOND), got, "second-3"))
        .redirectErrorStream(true).start();
    try {
      for (Process p : List.of(two, three)) {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "curl did not finish in 120 s");
        assertEquals(0, p.exitValue(), "curl failed: " + new String(p.getInputStream().readAllBytes()));
      }
    } finally {
      two.destroyForcibly();
      three.destroyForcibly();
    }
    List<String> together = new ArrayList<>();
    for (String name : List.of("second-2", "second-3")) {
      NamespaceNode.Fetched f = NamespaceNode.fetched(got, name);
      assertEquals(200, f.status());
      assertEquals(secondSha, f.sha256(), name + ": the origin's bytes");
      together.add(f.cache());
    }
    System.out.printf("[figure] nodes 2 and 3 asked for one 4 MiB file at once: answers %s, upstream GETs %d%n",
        together, origin.gets(SECOND));
    assertEquals(1, origin.gets(SECOND), "one upstream fetch for two concurrent askers: " + origin.counts());
    assertEquals(1, together.stream().filter("miss"::equals).count(), "one of them fetched: " + together);
    assertEquals(1, together.stream().filter("peer"::equals).count(), "the other streamed from it: " + together);

    // A node of another cluster on the same LAN: it hears the group's mDNS records, and ignores them
    // (which it says at debug level only).
    NamespaceNode lab = NamespaceNode.start(hosts[3], work, "--cluster", "lab", "--log-level", "debug");
    nodes.add(lab);
    lab.awaitReady(120);
    awaitWithin(System.nanoTime(), 30, () -> lab.log().contains("cluster 'potluck'"),
        "the lab node sees the potluck group's mDNS records");
    // Then long enough for a few merge rounds; the views must hold throughout.
    long watchStart = System.nanoTime();
    long watched = TimeUnit.SECONDS.toNanos(12);
    while (System.nanoTime() - watchStart < watched) {
      JsonArray labView = lab.members();
      assertEquals(1, labView == null ? -1 : labView.size(), "a node of another cluster must stay alone: "
          + labView + "\n" + lab.report());
      for (NamespaceNode node : office) {
        assertTrue(node.seesWholeView(3), "the group must keep its 3 members: " + node.members());
      }
      Thread.sleep(1_000);
    }
    NamespaceNode.Fetched alone = lab.fetch(origin.url(FIRST), got, "first-lab");
    assertEquals(200, alone.status());
    assertEquals(firstSha, alone.sha256());
    long labMembers = lab.members().size();
    System.out.printf("[figure] a node of cluster 'lab' on the same LAN: %d member(s) after %d s; the file through it:"
        + " answer %s, upstream GETs %d (was 1); origin log %s%n", labMembers,
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - watchStart), alone.cache(), origin.gets(FIRST),
        origin.counts());
    assertEquals("miss", alone.cache(), "the lab node is not in the group, so it goes upstream");
    assertEquals(2, origin.gets(FIRST), "the lab node's fetch reached the origin");
    assertEquals(1, origin.requests().stream()
        .filter(r -> r.path().equals(FIRST) && r.client().equals("10.204.0.4")).count(), "fetched by the lab node");
  }

  private boolean allReady(List<NamespaceNode> group) throws Exception {
    for (NamespaceNode node : group) {
      if (node.members() == null) {
        return false;
      }
    }
    return true;
  }

  private boolean allSeeWholeView(List<NamespaceNode> group, int size) throws Exception {
    for (NamespaceNode node : group) {
      if (!node.seesWholeView(size)) {
        return false;
      }
    }
    return true;
  }

  private void awaitWithin(long start, int seconds, Condition condition, String what) throws Exception {
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        StringBuilder why = new StringBuilder("not within " + seconds + " s: " + what);
        for (NamespaceNode node : nodes) {
          why.append("\n").append(node.describe());
        }
        throw new AssertionError(why);
      }
      Thread.sleep(200);
    }
  }

  @FunctionalInterface
  interface Condition {
    boolean holds() throws Exception;
  }

  /** Writes {@code size} random bytes derived from {@code seed} and returns their SHA-256. */
  static String writeRandom(Path file, int size, long seed) throws Exception {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    return dev.potluck.testkit.apt.Sha256.of(file);
  }
}
