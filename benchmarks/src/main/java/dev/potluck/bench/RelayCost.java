package dev.potluck.bench;

import dev.potluck.bench.harness.NginxProcess;
import dev.potluck.bench.harness.Origin;
import dev.potluck.bench.harness.RawHttpClient;
import dev.potluck.bench.harness.Table;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Part 5: the data plane's CPU per byte. One node fetches an object nobody has (the origin unthrottled)
 * while R readers, asking at the same moment, are streamed the bytes as they arrive: the relay a
 * fetcher does for its waiters and its peers. Against it, nginx ({@code sendfile on}) serves the same
 * bytes from a file to R readers at once. Figures: each server's CPU time (from {@code /proc}) per GiB
 * it sent, and, for the node, per GiB moved (received plus sent). Every reader's body is checked
 * against the origin's digest.
 */
final class RelayCost {

  private static final double GIB = 1L << 30;

  private final BenchContext context;

  RelayCost(BenchContext context) {
    this.context = context;
  }

  private record Run(double seconds, double cpuSeconds, List<String> caches, String sha256) {}

  Map<String, Object> run() throws Exception {
    BenchOptions o = context.options();
    long size = o.relaySize;
    int readers = o.relayReaders;
    Map<String, Object> result = new LinkedHashMap<>();
    String path = Origin.path(false, size, "relay.deb");
    String originHost = context.origin().address().getAddress().getHostAddress() + ":" + context.origin().address().getPort();

    Run node;
    String expected;
    try (BenchContext.StartedNode started = context.startNode("relay")) {
      // The node's paths are compiled before the measured run, on an object of its own.
      String warmPath = Origin.path(false, Math.min(size, 64L << 20), "relay-warmup.deb");
      get(started.node().address(), List.of(ProcessHandle.of(started.node().pid()).orElseThrow()),
          started.proxyTarget(warmPath), originHost, readers, Math.min(size, 64L << 20), null);
      started.node().awaitNoActiveFetches(MissLatency.COMMIT_TIMEOUT);
      node = get(started.node().address(), List.of(ProcessHandle.of(started.node().pid()).orElseThrow()),
          started.proxyTarget(path), originHost, readers, size, null);
      expected = context.origin().awaitSentDigest(path, Duration.ofSeconds(30));
      if (context.origin().requests(path) != 1) {
        throw new IllegalStateException(path + " was asked upstream " + context.origin().requests(path) + " times");
      }
      String problems = started.problems();
      if (!problems.isBlank()) {
        result.put("nodeLogWarnings", problems);
      }
    }
    // get() checked each reader's digest against the first's; the first must be the origin's.
    if (!expected.equals(node.sha256)) {
      throw new IllegalStateException("the readers got SHA-256 " + node.sha256 + ", the origin sent " + expected);
    }

    Run nginx = null;
    String nginxVersion = NginxProcess.version(o.nginx, context.cleanup());
    if (nginxVersion != null) {
      Path nginxDir = context.cleanup().newTempDir(context.workDir(), "relay-nginx-");
      try {
        Path root = nginxDir.resolve("www");
        HitThroughput.writeForNginx(root, path, size, context.workDir());
        try (NginxProcess server = NginxProcess.start(context.cleanup(), o.nginx, nginxDir, root, o.nginxWorkers, path,
            BenchContext.READY_TIMEOUT)) {
          List<ProcessHandle> processes = new ArrayList<>();
          ProcessHandle.of(server.pid()).ifPresent(h -> {
            processes.add(h);
            h.descendants().forEach(processes::add);
          });
          get(server.address(), processes, path, "127.0.0.1", 1, size, expected); // page cache, as the node's file is
          nginx = get(server.address(), processes, path, "127.0.0.1", readers, size, expected);
        }
      } finally {
        context.cleanup().delete(nginxDir);
      }
    }

    double sentGib = size * (double) readers / GIB;
    double movedGib = size * (double) (readers + 1) / GIB;
    Table table = new Table("server", "readers", "wall s", "MB/s sent", "CPU s", "CPU s / GiB sent", "CPU s / GiB moved");
    table.row("node (relay)", readers, MissLatency.f3(node.seconds), MissLatency.f1(size * readers / node.seconds / 1e6),
        MissLatency.f3(node.cpuSeconds), MissLatency.f3(node.cpuSeconds / sentGib), MissLatency.f3(node.cpuSeconds / movedGib));
    if (nginx != null) {
      table.row("nginx (file)", readers, MissLatency.f3(nginx.seconds), MissLatency.f1(size * readers / nginx.seconds / 1e6),
          MissLatency.f3(nginx.cpuSeconds), MissLatency.f3(nginx.cpuSeconds / sentGib), "-");
    }
    System.out.println();
    System.out.printf("5. Relay: one node streams a %s object to %d readers as it arrives, vs nginx serving the file%n",
        BenchOptions.human(size), readers);
    table.print(System.out);
    System.out.println("  (moved = received from the origin + sent to the readers; nginx: master and workers;"
        + " answers: " + String.join(", ", node.caches) + ")");
    result.put("sizeBytes", size);
    result.put("readers", readers);
    result.put("nodeSeconds", MissLatency.round(node.seconds));
    result.put("nodeCpuSeconds", MissLatency.round(node.cpuSeconds));
    result.put("nodeCpuSecondsPerGiBSent", MissLatency.round(node.cpuSeconds / sentGib));
    result.put("nodeCpuSecondsPerGiBMoved", MissLatency.round(node.cpuSeconds / movedGib));
    result.put("nodeAnswers", node.caches);
    if (nginx != null) {
      result.put("nginxVersion", nginxVersion);
      result.put("nginxSeconds", MissLatency.round(nginx.seconds));
      result.put("nginxCpuSeconds", MissLatency.round(nginx.cpuSeconds));
      result.put("nginxCpuSecondsPerGiBSent", MissLatency.round(nginx.cpuSeconds / sentGib));
      result.put("nodeOverNginxPerGiBSent", MissLatency.round(node.cpuSeconds / nginx.cpuSeconds));
    } else {
      result.put("nginx", "skipped: " + o.nginx + " is missing or does not run");
    }
    return result;
  }

  /**
   * {@code readers} connections each GET {@code target} once, all released at the same moment; every
   * body must be whole and, when {@code expected} is given, have that digest (else the first's).
   */
  private Run get(InetSocketAddress server, List<ProcessHandle> processes, String target, String host, int readers,
      long size, String expected) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(readers, r -> {
      Thread t = new Thread(r, "relay-reader");
      t.setDaemon(true);
      return t;
    });
    List<RawHttpClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < readers; i++) {
        clients.add(RawHttpClient.connect(server, context.requestTimeout()));
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Future<RawHttpClient.Response>> answers = new ArrayList<>();
      for (RawHttpClient client : clients) {
        answers.add(pool.submit(() -> {
          go.await();
          return client.get(target, host, true, null);
        }));
      }
      double cpuBefore = HitThroughput.cpuSeconds(processes);
      long start = System.nanoTime();
      go.countDown();
      List<RawHttpClient.Response> responses = new ArrayList<>();
      for (Future<RawHttpClient.Response> f : answers) {
        responses.add(f.get());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpuAfter = HitThroughput.cpuSeconds(processes);
      if (cpuBefore < 0 || cpuAfter < 0) {
        throw new IllegalStateException("this platform does not say how much CPU a process used");
      }
      double cpu = cpuAfter - cpuBefore;
      String digest = expected;
      List<String> caches = new ArrayList<>();
      for (RawHttpClient.Response r : responses) {
        if (r.status() != 200 || r.bodyBytes() != size) {
          throw new IllegalStateException("GET " + target + " from " + server + ": status " + r.status() + ", "
              + r.bodyBytes() + " of " + size + " bytes");
        }
        digest = digest == null ? r.sha256() : digest;
        if (!digest.equals(r.sha256())) {
          throw new IllegalStateException("GET " + target + " from " + server + ": SHA-256 " + r.sha256() + ", expected " + digest);
        }
        caches.add(String.valueOf(r.header("X-Potluck-Cache")));
      }
      return new Run(seconds, cpu, caches, digest);
    } finally {
      clients.forEach(RawHttpClient::close);
      pool.shutdownNow();
    }
  }
}
