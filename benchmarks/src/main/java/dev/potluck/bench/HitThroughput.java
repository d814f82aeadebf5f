package dev.potluck.bench;

import dev.potluck.bench.harness.Content;
import dev.potluck.bench.harness.NginxProcess;
import dev.potluck.bench.harness.Origin;
import dev.potluck.bench.harness.RawHttpClient;
import dev.potluck.bench.harness.Stats;
import dev.potluck.bench.harness.Table;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;

/**
 * Part 3: serving a cached object, the node's hit path against nginx ({@code sendfile on}) serving the
 * same bytes from a file (target: node ≥ 0.8 × nginx). The same raw-socket client drives both: C
 * keep-alive connections, each reading N whole bodies back to back; throughput is all bytes over the
 * wall time from the common start to the last body's last byte. Trials alternate which server goes
 * first. Each server's CPU time during its loads is read from {@code /proc} (master and workers for
 * nginx).
 */
final class HitThroughput {

  static final double TARGET = 0.8;

  private final BenchContext context;

  HitThroughput(BenchContext context) {
    this.context = context;
  }

  private record Server(String name, InetSocketAddress address, String target, String host, String expectedCache,
      List<ProcessHandle> processes) {}

  private record Load(double mbps, double seconds, List<Double> requestMillis, double cpuSeconds) {}

  Map<String, Object> run() throws IOException, InterruptedException, TimeoutException, ExecutionException {
    BenchOptions o = context.options();
    Map<String, Object> result = new LinkedHashMap<>();
    String nginxVersion = NginxProcess.version(o.nginx, context.cleanup());
    if (nginxVersion == null) {
      System.out.println();
      System.out.println("3. Cache hit vs nginx: SKIPPED (" + o.nginx + " is missing or does not run)");
      result.put("skipped", "nginx not found at " + o.nginx);
      return result;
    }
    long size = o.hitSize;
    String path = Origin.path(false, size, "hit.deb");
    String originHost = context.origin().address().getAddress().getHostAddress() + ":" + context.origin().address().getPort();

    // nginx's copy: world-readable, as its workers run as nobody when the master runs as root.
    Path nginxDir = context.cleanup().newTempDir(context.workDir(), "nginx-");
    Path root = nginxDir.resolve("www");
    writeForNginx(root, path, size, context.workDir());

    try (BenchContext.StartedNode started = context.startNode("hit");
        NginxProcess nginx = NginxProcess.start(context.cleanup(), o.nginx, nginxDir, root, o.nginxWorkers, path,
            BenchContext.READY_TIMEOUT)) {
      // Cache the object in the node, then check both servers serve the origin's bytes.
      String expected = verifiedGet(started.node().address(), started.proxyTarget(path), originHost, "miss", path, null);
      started.node().awaitNoActiveFetches(MissLatency.COMMIT_TIMEOUT);
      verifiedGet(started.node().address(), started.proxyTarget(path), originHost, "hit", path, expected);
      verifiedGet(nginx.address(), path, "127.0.0.1", null, path, expected);

      List<ProcessHandle> nginxProcesses = new ArrayList<>();
      ProcessHandle.of(nginx.pid()).ifPresent(h -> {
        nginxProcesses.add(h);
        h.descendants().forEach(nginxProcesses::add);
      });
      Server nodeServer = new Server("node", started.node().address(), started.proxyTarget(path), originHost, "hit",
          ProcessHandle.of(started.node().pid()).stream().toList());
      Server nginxServer = new Server("nginx", nginx.address(), path, "127.0.0.1", null, nginxProcesses);

      // Warm-up: JIT of the node's hit path and of this client; page cache for both files.
      for (Server s : List.of(nginxServer, nodeServer)) {
        load(s, 1, 2, size);
      }

      Table table = new Table("connections", "nginx MB/s (min-max)", "node MB/s (min-max)", "node/nginx",
          "paired ratio", "req ms nginx/node", "CPU s/GB nginx/node");
      List<Map<String, Object>> perConcurrency = new ArrayList<>();
      for (int c : o.concurrency) {
        List<Double> nginxMbps = new ArrayList<>();
        List<Double> nodeMbps = new ArrayList<>();
        List<Double> nginxReq = new ArrayList<>();
        List<Double> nodeReq = new ArrayList<>();
        double nginxCpu = 0;
        double nodeCpu = 0;
        List<Double> paired = new ArrayList<>();
        for (int t = 0; t < o.trials; t++) {
          List<Server> order = t % 2 == 0 ? List.of(nginxServer, nodeServer) : List.of(nodeServer, nginxServer);
          for (Server s : order) {
            Load l = load(s, c, o.requestsPerConnection, size);
            if (s == nodeServer) {
              nodeMbps.add(l.mbps);
              nodeReq.addAll(l.requestMillis);
              nodeCpu += l.cpuSeconds;
            } else {
              nginxMbps.add(l.mbps);
              nginxReq.addAll(l.requestMillis);
              nginxCpu += l.cpuSeconds;
            }
          }
          paired.add(nodeMbps.get(t) / nginxMbps.get(t));
        }
        double gb = (double) size * c * o.requestsPerConnection * o.trials / 1e9;
        Stats ng = Stats.of(nginxMbps);
        Stats nd = Stats.of(nodeMbps);
        Stats ngReq = Stats.of(nginxReq);
        Stats ndReq = Stats.of(nodeReq);
        double ratio = nd.median() / ng.median();
        Stats pairedStats = Stats.of(paired);
        table.row(c, MissLatency.f1(ng.median()) + " (" + MissLatency.f1(ng.min()) + "-" + MissLatency.f1(ng.max()) + ")",
            MissLatency.f1(nd.median()) + " (" + MissLatency.f1(nd.min()) + "-" + MissLatency.f1(nd.max()) + ")",
            MissLatency.f3(ratio) + (ratio >= TARGET ? " ok" : " UNDER"),
            MissLatency.f3(pairedStats.median()) + " (" + MissLatency.f3(pairedStats.min()) + "-"
                + MissLatency.f3(pairedStats.max()) + ")",
            MissLatency.f1(ngReq.median()) + "/" + MissLatency.f1(ndReq.median()),
            (nginxCpu < 0 ? "-" : MissLatency.f3(nginxCpu / gb)) + "/" + (nodeCpu < 0 ? "-" : MissLatency.f3(nodeCpu / gb)));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("connections", c);
        entry.put("requestsPerConnection", o.requestsPerConnection);
        entry.put("nginxMBps", MissLatency.stats(ng, nginxMbps));
        entry.put("nodeMBps", MissLatency.stats(nd, nodeMbps));
        entry.put("nodeOverNginx", MissLatency.round(ratio));
        entry.put("pairedNodeOverNginx", MissLatency.stats(pairedStats, paired));
        entry.put("nginxRequestMillis", summary(ngReq));
        entry.put("nodeRequestMillis", summary(ndReq));
        entry.put("nginxCpuSecondsPerGB", nginxCpu < 0 ? null : MissLatency.round(nginxCpu / gb));
        entry.put("nodeCpuSecondsPerGB", nodeCpu < 0 ? null : MissLatency.round(nodeCpu / gb));
        entry.put("meetsTarget", ratio >= TARGET);
        perConcurrency.add(entry);
      }
      System.out.println();
      System.out.printf("3. Cache hit vs nginx (%s, %s workers; %s object; %d GETs per connection per trial, %d trials,"
          + " median; target node/nginx >= %.1f)%n",
          nginxVersion, o.nginxWorkers, BenchOptions.human(size), o.requestsPerConnection, o.trials, TARGET);
      table.print(System.out);
      System.out.println("  (MB/s = 10^6 bytes/s aggregate over all connections; paired ratio: median of per-trial node/nginx,"
          + " each trial running both back to back;");
      System.out.println("   req ms = median whole-body time per GET; CPU s/GB = server CPU time (nginx: master and workers)"
          + " per GB served)");
      String problems = started.problems();
      if (!problems.isBlank()) {
        System.out.println("  node log warnings:\n" + problems.indent(4));
        result.put("nodeLogWarnings", problems);
      }
      result.put("target", "node hit >= " + TARGET + " x nginx");
      result.put("nginxVersion", nginxVersion);
      result.put("nginxWorkers", o.nginxWorkers);
      result.put("sizeBytes", size);
      result.put("concurrency", perConcurrency);
    } finally {
      context.cleanup().delete(nginxDir);
    }
    return result;
  }

  /**
   * Writes the origin's bytes of {@code path} under {@code root}, world-readable up to {@code workDir}:
   * nginx's workers run as nobody when its master runs as root.
   */
  static void writeForNginx(Path root, String path, long size, Path workDir) throws IOException {
    Path file = root.resolve(path.substring(1));
    Files.createDirectories(file.getParent());
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      Content.write(Content.seedOf(path), size, out);
    }
    for (Path p = file; p.startsWith(workDir); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
    }
  }

  /** One GET with the body digested and checked; returns the digest. */
  private String verifiedGet(InetSocketAddress server, String target, String host, String expectedCache, String path,
      String expectedSha) throws IOException, InterruptedException {
    try (RawHttpClient client = RawHttpClient.connect(server, context.requestTimeout())) {
      RawHttpClient.Response r = client.get(target, host, true, null);
      String where = "GET " + target + " from " + server;
      if (r.status() != 200 || r.bodyBytes() != context.options().hitSize) {
        throw new IllegalStateException(where + ": status " + r.status() + ", " + r.bodyBytes() + " bytes");
      }
      if (expectedCache != null && !expectedCache.equals(r.header("X-Potluck-Cache"))) {
        throw new IllegalStateException(where + ": X-Potluck-Cache " + r.header("X-Potluck-Cache") + ", expected " + expectedCache);
      }
      String expected = expectedSha != null ? expectedSha : context.origin().awaitSentDigest(path, Duration.ofSeconds(30));
      if (!expected.equals(r.sha256())) {
        throw new IllegalStateException(where + ": SHA-256 " + r.sha256() + ", expected " + expected);
      }
      return r.sha256();
    }
  }

  /** C connections, each doing {@code perConnection} whole GETs back to back, all starting together. */
  private Load load(Server server, int connections, int perConnection, long size)
      throws IOException, InterruptedException, ExecutionException {
    List<RawHttpClient> clients = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(connections, r -> {
      Thread t = new Thread(r, "load-" + server.name);
      t.setDaemon(true);
      return t;
    });
    try {
      for (int i = 0; i < connections; i++) {
        clients.add(RawHttpClient.connect(server.address, context.requestTimeout()));
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<Double>>> results = new ArrayList<>();
      for (RawHttpClient client : clients) {
        Callable<List<Double>> task = () -> {
          go.await();
          List<Double> millis = new ArrayList<>();
          for (int i = 0; i < perConnection; i++) {
            RawHttpClient.Response r = client.get(server.target, server.host, false, null);
            if (r.status() != 200 || r.bodyBytes() != size) {
              throw new IllegalStateException(server.name + ": status " + r.status() + ", " + r.bodyBytes() + " bytes");
            }
            if (server.expectedCache != null && !server.expectedCache.equals(r.header("X-Potluck-Cache"))) {
              throw new IllegalStateException(server.name + ": X-Potluck-Cache " + r.header("X-Potluck-Cache"));
            }
            millis.add(r.totalNanos() / 1e6);
          }
          return millis;
        };
        results.add(pool.submit(task));
      }
      double cpuBefore = cpuSeconds(server.processes);
      long start = System.nanoTime();
      go.countDown();
      List<Double> requestMillis = new ArrayList<>();
      for (Future<List<Double>> f : results) {
        requestMillis.addAll(f.get());
      }
      long nanos = System.nanoTime() - start;
      double cpuAfter = cpuSeconds(server.processes);
      double bytes = (double) size * connections * perConnection;
      return new Load(bytes / (nanos / 1e9) / 1e6, nanos / 1e9, requestMillis,
          cpuBefore < 0 || cpuAfter < 0 ? -1 : cpuAfter - cpuBefore);
    } finally {
      clients.forEach(RawHttpClient::close);
      pool.shutdownNow();
    }
  }

  /** CPU time (user + system) the processes have used, or -1 if the platform does not say. */
  static double cpuSeconds(List<ProcessHandle> processes) {
    double total = 0;
    for (ProcessHandle p : processes) {
      Optional<Duration> cpu = p.info().totalCpuDuration();
      if (cpu.isEmpty()) {
        return -1;
      }
      total += cpu.get().toNanos() / 1e9;
    }
    return total;
  }

  private static Map<String, Object> summary(Stats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median", MissLatency.round(s.median()));
    m.put("min", MissLatency.round(s.min()));
    m.put("max", MissLatency.round(s.max()));
    m.put("count", s.count());
    return m;
  }
}
