package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * Two hosts of one LAN, each with a zero-configuration node (no secret: an open group; only what a
 * test adds, such as a mirror or a trusted key), and the "internet": a repository served by nginx
 * behind a shaped link, in a namespace of its own. Host A is {@code 10.204.0.1}, host B
 * {@code 10.204.0.2}, the origin {@code 10.204.0.3:8080}. {@link #close} stops everything it started.
 */
final class TwoHostLan implements AutoCloseable {

  static final String HOST_A = "10.204.0.1";
  static final String ORIGIN = "http://10.204.0.3:" + NginxOrigin.PORT;
  /** The WAN link: slow enough that a second fetch of a package would show, fast enough for CI. */
  static final String WAN_RATE = "40mbit";

  private final AptLan lan = new AptLan();
  private NginxOrigin origin;
  private ClientHost hostA;
  private ClientHost hostB;

  /**
   * Starts the origin serving {@code root}, then both nodes with {@code nodeArgs}, and waits until they
   * form one view. Skips (JUnit assumption) without root, iproute2, curl, nginx or tc.
   */
  static TwoHostLan start(Path work, Path root, List<String> nodeArgs) throws Exception {
    NginxOrigin.assumeInstalled();
    TwoHostLan out = new TwoHostLan();
    try {
      out.lan.namespaces = NetworkNamespaces.create();
      NodeProcess.jar();
      String[] ns = out.lan.namespaces.bridge(3);
      out.origin = NginxOrigin.start(ns[2], "10.204.0.3", root, WAN_RATE, work);
      for (int i = 0; i < 2; i++) {
        out.lan.startNode(ns[i], work, nodeArgs.toArray(String[]::new));
      }
      out.lan.awaitWholeView(120);
      out.hostA = new ClientHost(ns[0], Files.createDirectories(work.resolve("host-a")));
      out.hostB = new ClientHost(ns[1], Files.createDirectories(work.resolve("host-b")));
      return out;
    } catch (Exception | AssertionError e) {
      out.close();
      throw e;
    }
  }

  ClientHost hostA() {
    return hostA;
  }

  ClientHost hostB() {
    return hostB;
  }

  NamespaceNode nodeA() {
    return lan.nodes.get(0);
  }

  NamespaceNode nodeB() {
    return lan.nodes.get(1);
  }

  NginxOrigin origin() {
    return origin;
  }

  /** Asserts each run was clean (see {@link ClientHost#assertClean}); a failure shows the nodes and the origin. */
  void assertClean(String who, List<ClientHost.Run> runs) throws Exception {
    ClientHost.assertClean(who, runs, context());
  }

  /** As above, with lines that {@code expected} accepts taken as no trouble. */
  void assertClean(String who, List<ClientHost.Run> runs, Predicate<String> expected) throws Exception {
    ClientHost.assertClean(who, runs, context(), expected);
  }

  /** The node's {@code answers} counters: how it answered its clients (hit, miss, peer, ...). */
  static JsonObject answers(NamespaceNode node) throws Exception {
    return node.status().getJsonObject("answers");
  }

  /** Each file crossed the upstream link once, fetched by host A's node. */
  void assertFetchedOnceByA(List<ServedFile> files) throws Exception {
    for (ServedFile f : files) {
      assertEquals(List.of(HOST_A), origin.getsBy(f.urlPath()), f.urlPath()
          + " must cross the upstream link once, for host A only: " + origin.counts());
    }
  }

  /** Host B's node answered at least {@code count} requests from a peer between {@code before} and now. */
  long assertPeerAnswers(JsonObject before, int count) throws Exception {
    JsonObject after = answers(nodeB());
    long peer = after.getLong("peer", 0L) - before.getLong("peer", 0L);
    assertTrue(peer >= count, "host B's node must take every package from host A's: answers before "
        + before.encode() + ", after " + after.encode() + "\n" + nodeB().report());
    return peer;
  }

  /** The nodes' logs and the origin's requests, for a failure message. */
  String context() throws Exception {
    StringBuilder why = new StringBuilder();
    for (NamespaceNode node : lan.nodes) {
      why.append("\n").append(node.report());
    }
    if (origin != null) {
      why.append("\n--- origin requests: ").append(origin.counts()).append("\n").append(origin.logs());
    }
    return why.toString();
  }

  @Override
  public void close() throws Exception {
    try {
      if (origin != null) {
        origin.close();
      }
    } finally {
      lan.close();
    }
  }
}
