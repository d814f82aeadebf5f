package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node is never an open proxy: a client on another host of the LAN is refused unless its subnet is
 * allowed. Two network namespaces stand in for the two hosts.
 */
class AccessControlIT {

  @TempDir Path work;

  @Test
  void strangerRefused_allowedSubnetServed() throws Exception {
    try (NetworkNamespaces net = NetworkNamespaces.create()) {
      String[] hosts = net.pair(7);
      String nodeHost = hosts[0];
      String clientHost = hosts[1];
      Files.writeString(work.resolve("hello.txt"), "hello from the node's own origin\n");

      // The origin runs inside the node's namespace, on its loopback.
      Process origin = start(NetworkNamespaces.in(nodeHost,
          List.of("python3", "-m", "http.server", "18111", "--bind", "127.0.0.1", "-d", work.toString())));
      try {
        String stranger = fetchThroughNode(nodeHost, clientHost, List.of());
        assertTrue(stranger.startsWith("403"), "a client outside loopback and --allow must be refused: " + stranger);
        assertTrue(stranger.contains("10.203.7.2"), "the refusal names the client: " + stranger);
        // The dashboard, its assets and the API are behind the same door.
        for (String path : List.of("/", "/dashboard/app.js", "/api/v1/swarm", "/api/v1/events")) {
          assertTrue(lastLocal.get(path).startsWith("403"), path + " must be refused too: " + lastLocal.get(path));
        }

        String allowed = fetchThroughNode(nodeHost, clientHost, List.of("--allow", "10.203.7.0/30"));
        assertTrue(allowed.startsWith("200"), "an allowed subnet is served: " + allowed);
        assertTrue(allowed.contains("hello from the node's own origin"), allowed);
      } finally {
        origin.destroyForcibly();
        origin.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Starts a node listening on 10.203.7.1 inside {@code nodeHost}; curl asks it from {@code clientHost}. */
  private String fetchThroughNode(String nodeHost, String clientHost, List<String> extra) throws Exception {
    List<String> node = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", NodeProcess.jar().toString(), "node", "--listen", "10.203.7.1:17878",
        "--cache-dir", Files.createTempDirectory(work, "cache").toString()));
    node.addAll(extra);
    Process process = start(NetworkNamespaces.in(nodeHost, node));
    try {
      awaitListening(nodeHost);
      NetworkNamespaces.Result r = NetworkNamespaces.run(NetworkNamespaces.in(clientHost, List.of("curl", "-s",
          "--max-time", "20", "-x", "http://10.203.7.1:17878", "-w", "\n%{http_code}", "http://127.0.0.1:18111/hello.txt")));
      for (String path : List.of("/", "/dashboard/app.js", "/api/v1/swarm", "/api/v1/events")) {
        lastLocal.put(path, codeAndBody(NetworkNamespaces.run(NetworkNamespaces.in(clientHost, List.of("curl", "-s",
            "--max-time", "5", "-w", "\n%{http_code}", "http://10.203.7.1:17878" + path))).output()));
      }
      return codeAndBody(r.output());
    } finally {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /** The answers of the client listener's own paths at the last {@link #fetchThroughNode}, by path. */
  private final java.util.Map<String, String> lastLocal = new java.util.HashMap<>();

  private static String codeAndBody(String out) {
    int split = out.lastIndexOf('\n');
    return out.substring(split + 1) + " " + out.substring(0, Math.max(0, split));
  }

  private static void awaitListening(String namespace) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      NetworkNamespaces.Result r = NetworkNamespaces.run(NetworkNamespaces.in(namespace,
          List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://10.203.7.1:17878/api/v1/status")));
      if (r.output().trim().equals("200") || r.output().trim().equals("403")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the node in " + namespace + " did not start listening");
  }

  private static Process start(List<String> command) throws Exception {
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }
}
