package dev.potluck.bench;

import dev.potluck.bench.harness.Content;
import dev.potluck.bench.harness.NginxProcess;
import dev.potluck.bench.harness.Origin;
import dev.potluck.bench.harness.RawHttpClient;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The herd part ({@code --only herd}): {@link BenchOptions#herdClients} connections opened first, then
 * all asking at once for the same cached 200 KB object, from the node (as a proxy) and from nginx
 * serving the same bytes from a file. Prints p50/p99 of the whole-body time per GET for each, and the
 * node's peak RSS; every body is checked. Each server gets {@code --trials} rounds, alternating which
 * goes first.
 */
final class HerdHits {

  static final long SIZE = 200_000;

  private final BenchContext context;

  HerdHits(BenchContext context) {
    this.context = context;
  }

  Map<String, Object> run() throws Exception {
    BenchOptions o = context.options();
    Map<String, Object> result = new LinkedHashMap<>();
    String nginxVersion = NginxProcess.version(o.nginx, context.cleanup());
    if (nginxVersion == null) {
      System.out.println();
      System.out.println("4. Herd of hits vs nginx: SKIPPED (" + o.nginx + " is missing or does not run)");
      result.put("skipped", "nginx not found at " + o.nginx);
      return result;
    }
    String path = Origin.path(false, SIZE, "herd.deb");
    String originHost = context.origin().address().getAddress().getHostAddress() + ":" + context.origin().address().getPort();
    Path nginxDir = context.cleanup().newTempDir(context.workDir(), "nginx-herd-");
    Path root = nginxDir.resolve("www");
    Path file = root.resolve(path.substring(1));
    Files.createDirectories(file.getParent());
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      Content.write(Content.seedOf(path), SIZE, out);
    }
    for (Path p = file; p.startsWith(context.workDir()); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
    }
    int clients = o.herdClients;
    try (BenchContext.StartedNode started = context.startNode("herd");
        NginxProcess nginx = NginxProcess.start(context.cleanup(), o.nginx, nginxDir, root, o.nginxWorkers,
            clients + 64, path, BenchContext.READY_TIMEOUT)) {
      InetSocketAddress node = started.node().address();
      String target = started.proxyTarget(path);
      RawHttpClient.Response first;
      try (RawHttpClient c = RawHttpClient.connect(node, context.requestTimeout())) {
        first = c.get(target, originHost, true, null);
      }
      started.node().awaitNoActiveFetches(MissLatency.COMMIT_TIMEOUT);
      String expected = first.sha256();
      List<Double> nodeMillis = new ArrayList<>();
      List<Double> nginxMillis = new ArrayList<>();
      for (int t = 0; t < o.trials; t++) {
        boolean nodeFirst = t % 2 == 1;
        for (int k = 0; k < 2; k++) {
          boolean isNode = (k == 0) == nodeFirst;
          List<Double> into = isNode ? nodeMillis : nginxMillis;
          into.addAll(herd(isNode ? node : nginx.address(), isNode ? target : path, isNode ? originHost : "127.0.0.1",
              clients, expected));
        }
      }
      long peakKib = peakRssKib(started.node().pid());
      double[] nd = sorted(nodeMillis);
      double[] ng = sorted(nginxMillis);
      System.out.println();
      System.out.printf("4. Herd of hits vs nginx (%s, %s workers): %d connections opened, then all GET one %s object"
          + " at once; %d trials each%n", nginxVersion, o.nginxWorkers, clients, BenchOptions.human(SIZE), o.trials);
      System.out.printf("   %-6s p50 %8.1f ms   p99 %8.1f ms   max %8.1f ms%n", "nginx", pct(ng, 50), pct(ng, 99), ng[ng.length - 1]);
      System.out.printf("   %-6s p50 %8.1f ms   p99 %8.1f ms   max %8.1f ms   peak RSS %d MiB (%s)%n", "node", pct(nd, 50),
          pct(nd, 99), nd[nd.length - 1], peakKib / 1024, String.join(" ", o.nodeJvmOptions));
      System.out.printf("[figure] herd_hit_p50_ms nginx %.1f node %.1f%n", pct(ng, 50), pct(nd, 50));
      System.out.printf("[figure] herd_hit_p99_ms nginx %.1f node %.1f%n", pct(ng, 99), pct(nd, 99));
      System.out.printf("[figure] herd_node_peak_rss_mib %d%n", peakKib / 1024);
      result.put("clients", clients);
      result.put("sizeBytes", SIZE);
      result.put("nginxVersion", nginxVersion);
      result.put("nginxMillis", Map.of("p50", pct(ng, 50), "p99", pct(ng, 99), "max", ng[ng.length - 1]));
      result.put("nodeMillis", Map.of("p50", pct(nd, 50), "p99", pct(nd, 99), "max", nd[nd.length - 1]));
      result.put("nodePeakRssBytes", peakKib * 1024);
    } finally {
      context.cleanup().delete(nginxDir);
    }
    return result;
  }

  /** One round: {@code clients} connections, then one GET on each at once; whole-body times in ms. */
  private List<Double> herd(InetSocketAddress server, String target, String host, int clients, String expected)
      throws Exception {
    List<RawHttpClient> connections = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        connections.add(RawHttpClient.connect(server, context.requestTimeout()));
      }
      CountDownLatch go = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(clients);
      ConcurrentLinkedQueue<Double> millis = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
      for (RawHttpClient c : connections) {
        Thread thread = new Thread(() -> {
          try {
            go.await();
            long start = System.nanoTime();
            RawHttpClient.Response r = c.get(target, host, true, null);
            long end = System.nanoTime();
            if (r.status() != 200 || !expected.equals(r.sha256())) {
              errors.add("status " + r.status() + ", sha256 " + r.sha256());
            } else {
              millis.add((end - start) / 1e6);
            }
          } catch (IOException | InterruptedException e) {
            errors.add(e.toString());
          } finally {
            done.countDown();
          }
        });
        thread.setDaemon(true);
        thread.start();
      }
      go.countDown();
      if (!done.await(context.requestTimeout().toSeconds() + 30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(server + ": " + done.getCount() + " of " + clients + " GETs unanswered");
      }
      if (!errors.isEmpty()) {
        throw new IllegalStateException(server + ": " + errors.size() + " of " + clients + " GETs failed, e.g. " + errors.peek());
      }
      return new ArrayList<>(millis);
    } finally {
      connections.forEach(RawHttpClient::close);
    }
  }

  private static long peakRssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
      }
    }
    return -1;
  }

  private static double[] sorted(List<Double> values) {
    double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a;
  }

  private static double pct(double[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
