package dev.potluck.bench;

import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.harness.NodeProcess;
import dev.potluck.bench.harness.Origin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/** What every part of one run shares: settings, the origin, the work directory, and the cleanup list. */
record BenchContext(BenchOptions options, Cleanup cleanup, Origin origin, Path workDir, Path nodeJar) {

  static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  Duration requestTimeout() {
    return Duration.ofSeconds(options.requestTimeoutSeconds);
  }

  /** A fresh node with its own empty cache directory (4G quota) under the work directory. */
  StartedNode startNode(String name) throws IOException, InterruptedException, TimeoutException {
    Path cacheDir = cleanup.newTempDir(workDir, name + "-cache-");
    Path log = workDir.resolve(name + "-" + cacheDir.getFileName() + ".log");
    // Vert.x makes a file-cache directory (vertx.cacheDirBase-UUID, /tmp by default) that a killed node
    // leaves behind: keep it inside the work directory, which is always deleted.
    List<String> jvm = new ArrayList<>(options.nodeJvmOptions);
    jvm.add("-Dvertx.cacheDirBase=" + workDir.resolve("vertx-cache"));
    NodeProcess node = NodeProcess.start(cleanup, nodeJar, jvm, cacheDir, "4G", log, READY_TIMEOUT);
    return new StartedNode(node, cacheDir, this, new boolean[1]);
  }

  /**
   * A node and its cache directory; closing stops the node and deletes the directory, first printing the
   * node's warnings to stderr unless a part has already reported them (so a failed part still shows them).
   */
  record StartedNode(NodeProcess node, Path cacheDir, BenchContext context, boolean[] reported) implements AutoCloseable {
    /** The absolute URL of an origin path, as a proxy client asks for it. */
    String proxyTarget(String path) {
      return context.origin().baseUrl() + path;
    }

    /** Warnings and errors the node logged (besides start-up lines). */
    String problems() {
      reported[0] = true;
      return warnings();
    }

    private String warnings() {
      try {
        return Files.readAllLines(node.log()).stream()
            .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.toLowerCase(Locale.ROOT).contains("outofmemory"))
            .limit(20)
            .reduce("", (a, b) -> a + b + "\n");
      } catch (IOException e) {
        return "";
      }
    }

    @Override
    public void close() {
      try {
        if (!reported[0]) {
          String warnings = warnings();
          if (!warnings.isBlank()) {
            System.err.println("node log warnings (" + node.log().getFileName() + "):\n" + warnings);
          }
        }
        node.close();
      } finally {
        context.cleanup().delete(cacheDir);
      }
    }
  }
}
