package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.testkit.apt.AptGet;
import dev.potluck.testkit.apt.AptRepository;
import dev.potluck.testkit.apt.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the apt tests on a namespace LAN share: the namespaces, the repository's origin, the nodes, and
 * the checks (apt ran clean, downloads intact, one view) whose failures show what the nodes and the
 * origin saw. One per test; {@link #close} stops everything it started.
 */
final class AptLan implements AutoCloseable {

  NetworkNamespaces namespaces;
  NamespaceOrigin origin;
  final List<NamespaceNode> nodes = new ArrayList<>();

  /** A node in {@code namespace}, remembered for the checks and for {@link #close}. */
  NamespaceNode startNode(String namespace, Path workDir, String... args) throws Exception {
    NamespaceNode node = NamespaceNode.start(namespace, workDir, args);
    nodes.add(node);
    return node;
  }

  /** Asserts that apt's run was clean; when not, the failure shows what the nodes and the origin saw too. */
  void clean(AptGet.Result result) throws Exception {
    try {
      result.assertClean();
    } catch (AssertionError e) {
      StringBuilder why = new StringBuilder(e.getMessage());
      for (NamespaceNode node : nodes) {
        why.append("\n").append(node.report());
      }
      if (origin != null) {
        why.append("\n--- origin requests:\n").append(String.join("\n", origin.requests().stream()
            .map(NamespaceOrigin.Request::toString).toList()))
            .append("\n--- origin output:\n").append(origin.output());
      }
      throw new AssertionError(why.toString(), e);
    }
  }

  /** Waits until every node is ready and sees all {@code nodes.size()} members. */
  void awaitWholeView(int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (NamespaceNode node : nodes) {
      node.awaitReady(seconds);
    }
    while (!nodes.stream().allMatch(n -> seesWholeView(n, nodes.size()))) {
      if (System.nanoTime() > deadline) {
        StringBuilder why = new StringBuilder("the nodes did not form one view within " + seconds + " s");
        for (NamespaceNode node : nodes) {
          why.append("\n").append(node.describe());
        }
        throw new AssertionError(why.toString());
      }
      Thread.sleep(200);
    }
  }

  private static boolean seesWholeView(NamespaceNode node, int size) {
    try {
      return node.seesWholeView(size);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** How many GETs of {@code path} reached {@code server}. */
  static long gets(NamespaceOrigin server, String path) throws Exception {
    return server.requests().stream().filter(r -> r.method().equals("GET") && r.path().equals(path)).count();
  }

  /** Every package of {@code repository} is in {@code dir}, whole and right, and no download failed. */
  static void assertDownloadsIntact(AptRepository repository, Path dir) throws Exception {
    for (AptRepository.Package p : repository.packages()) {
      Path file = dir.resolve(p.fileName());
      assertTrue(Files.isRegularFile(file), "apt left no " + file);
      assertEquals(p.sha256(), Sha256.of(file), p.fileName());
      assertEquals(p.size(), Files.size(file), p.fileName());
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".FAILED")), "no failed downloads");
    }
  }

  @Override
  public void close() throws Exception {
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
}
