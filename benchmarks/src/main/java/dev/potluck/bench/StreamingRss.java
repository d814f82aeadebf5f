package dev.potluck.bench;

import dev.potluck.bench.harness.Origin;
import dev.potluck.bench.harness.RawHttpClient;
import dev.potluck.bench.harness.RssSampler;
import dev.potluck.bench.harness.Table;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Part 2: the node's resident memory while one client streams a large object through it, uncached
 * (origin unthrottled), with the node's heap capped by the node JVM options (default {@code -Xmx128m}).
 * Target: RSS under 256 MiB and flat in the object's size. Each size gets a fresh node, so the peaks
 * are comparable; the hit of the same object is sampled too.
 */
final class StreamingRss {

  static final long TARGET_KIB = 256 * 1024;
  private static final double[] FRACTIONS = {0.1, 0.5, 0.9};

  private final BenchContext context;

  StreamingRss(BenchContext context) {
    this.context = context;
  }

  Map<String, Object> run() throws IOException, InterruptedException, TimeoutException {
    BenchOptions o = context.options();
    List<Long> sizes = o.rssSizes.stream().sorted().toList();
    List<Map<String, Object>> perSize = new ArrayList<>();
    Table table = new Table("size", "idle MiB", "peak MiB", "@10%", "@50%", "@90%", "VmHWM MiB", "samples", "direct MB/s", "miss MB/s",
        "node CPU s/GB", "hit peak MiB", "hit MB/s");
    long smallestPeak = -1;
    long largestPeak = -1;
    for (long size : sizes) {
      String path = Origin.path(false, size, "rss-" + size + ".deb");
      Map<String, Object> entry = new LinkedHashMap<>();
      try (BenchContext.StartedNode started = context.startNode("rss")) {
        long pid = started.node().pid();
        long idleKiB = RssSampler.read(pid)[0];
        Measured direct = direct(size);
        Measured miss = stream(started, path, size, "miss");
        started.node().awaitNoActiveFetches(MissLatency.COMMIT_TIMEOUT);
        Measured hit = stream(started, path, size, "hit");
        if (context.origin().requests(path) != 1) {
          throw new IllegalStateException(path + " was requested upstream " + context.origin().requests(path) + " times");
        }
        long peak = miss.sampler.peakKiB();
        if (smallestPeak < 0) {
          smallestPeak = peak;
        }
        largestPeak = peak;
        List<Object> at = new ArrayList<>();
        Map<String, Object> fractions = new LinkedHashMap<>();
        for (double f : FRACTIONS) {
          RssSampler.Sample s = miss.sampler.at(f, size);
          at.add(s == null ? "-" : mib(s.rssKiB()));
          fractions.put(Integer.toString((int) Math.round(f * 100)) + "%", s == null ? null : s.rssKiB() * 1024);
        }
        table.row(BenchOptions.human(size), mib(idleKiB), mib(peak), at.get(0), at.get(1), at.get(2),
            mib(miss.sampler.highWaterKiB()), miss.sampler.samples().size(), MissLatency.f1(direct.mbps()), MissLatency.f1(miss.mbps()),
            MissLatency.f3(miss.cpuSeconds / (size / 1e9)), mib(hit.sampler.peakKiB()), MissLatency.f1(hit.mbps()));
        entry.put("sizeBytes", size);
        entry.put("idleRssBytes", idleKiB * 1024);
        entry.put("peakRssBytes", peak * 1024);
        entry.put("rssAtProgressBytes", fractions);
        entry.put("vmHwmBytes", miss.sampler.highWaterKiB() * 1024);
        entry.put("samples", miss.sampler.samples().size());
        entry.put("directMBps", MissLatency.round(direct.mbps()));
        entry.put("missSeconds", MissLatency.round(miss.nanos / 1e9));
        entry.put("missMBps", MissLatency.round(miss.mbps()));
        entry.put("missNodeCpuSecondsPerGB", MissLatency.round(miss.cpuSeconds / (size / 1e9)));
        entry.put("hitNodeCpuSecondsPerGB", MissLatency.round(hit.cpuSeconds / (size / 1e9)));
        entry.put("hitPeakRssBytes", hit.sampler.peakKiB() * 1024);
        entry.put("hitVmHwmBytes", hit.sampler.highWaterKiB() * 1024);
        entry.put("hitMBps", MissLatency.round(hit.mbps()));
        entry.put("sha256", miss.sha256);
        entry.put("rssTrace", miss.sampler.samples().stream()
            .map(s -> List.of(MissLatency.round(s.atNanos() / 1e9), s.rssKiB() * 1024, s.progress())).toList());
        entry.put("meetsTarget", peak < TARGET_KIB && miss.sampler.highWaterKiB() < TARGET_KIB);
        String problems = started.problems();
        if (!problems.isBlank()) {
          entry.put("nodeLogWarnings", problems);
        }
      }
      perSize.add(entry);
    }
    System.out.println();
    System.out.printf("2. Node RSS streaming one uncached object (node JVM %s; sampled every %d ms; target < 256 MiB, flat)%n",
        String.join(" ", o.nodeJvmOptions), o.sampleMillis);
    table.print(System.out);
    double flatness = (double) largestPeak / smallestPeak;
    System.out.printf("  peak(%s) / peak(%s) = %.3f  (VmHWM: the kernel's peak over the node's whole life)%n",
        BenchOptions.human(sizes.get(sizes.size() - 1)), BenchOptions.human(sizes.get(0)), flatness);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("target", "peak RSS < 256 MiB, flat in object size");
    result.put("sizes", perSize);
    result.put("peakLargestOverPeakSmallest", MissLatency.round(flatness));
    return result;
  }

  private record Measured(RssSampler sampler, long nanos, long size, String sha256, double cpuSeconds) {
    double mbps() {
      return size / (nanos / 1e9) / 1e6;
    }
  }

  /** The same kind of object fetched straight from the origin: the speed the miss path could reach. */
  private Measured direct(long size) throws IOException, InterruptedException {
    String path = Origin.path(false, size, "rss-direct-" + size + ".deb");
    RawHttpClient.Response r;
    try (RawHttpClient client = RawHttpClient.connect(context.origin().address(), context.requestTimeout())) {
      r = client.get(path, "127.0.0.1", true, null);
    }
    String expected = context.origin().awaitSentDigest(path, Duration.ofSeconds(30));
    if (r.status() != 200 || r.bodyBytes() != size || !expected.equals(r.sha256())) {
      throw new IllegalStateException("direct GET " + path + ": status " + r.status() + ", " + r.bodyBytes()
          + " bytes, SHA-256 " + r.sha256() + " (origin sent " + expected + ")");
    }
    return new Measured(null, r.totalNanos(), size, r.sha256(), -1);
  }

  private Measured stream(BenchContext.StartedNode started, String path, long size, String expectedCache)
      throws IOException, InterruptedException {
    AtomicLong progress = new AtomicLong();
    ProcessHandle handle = ProcessHandle.of(started.node().pid()).orElseThrow();
    double cpuBefore = handle.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    RssSampler sampler = RssSampler.start(started.node().pid(), context.options().sampleMillis, progress::get);
    RawHttpClient.Response r;
    try (RawHttpClient client = RawHttpClient.connect(started.node().address(), context.requestTimeout())) {
      r = client.get(started.proxyTarget(path), context.origin().address().getAddress().getHostAddress()
          + ":" + context.origin().address().getPort(), true, progress);
    } finally {
      sampler.close();
    }
    double cpu = handle.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN) - cpuBefore;
    String where = "GET " + path + " through the node (" + expectedCache + ")";
    if (r.status() != 200 || r.bodyBytes() != size) {
      throw new IllegalStateException(where + ": status " + r.status() + ", " + r.bodyBytes() + " of " + size + " bytes");
    }
    if (!expectedCache.equals(r.header("X-Potluck-Cache"))) {
      throw new IllegalStateException(where + ": X-Potluck-Cache " + r.header("X-Potluck-Cache"));
    }
    String expected = context.origin().awaitSentDigest(path, Duration.ofSeconds(30));
    if (!expected.equals(r.sha256())) {
      throw new IllegalStateException(where + ": SHA-256 " + r.sha256() + " but the origin sent " + expected);
    }
    return new Measured(sampler, r.totalNanos(), size, r.sha256(), cpu);
  }

  static String mib(long kib) {
    return kib < 0 ? "-" : MissLatency.f1(kib / 1024.0);
  }
}
