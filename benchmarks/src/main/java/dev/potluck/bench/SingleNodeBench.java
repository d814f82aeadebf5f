package dev.potluck.bench;

import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.harness.CpuAccount;
import dev.potluck.bench.harness.Digests;
import dev.potluck.bench.harness.Json;
import dev.potluck.bench.harness.Machine;
import dev.potluck.bench.harness.Origin;
import dev.potluck.bench.harness.Watchdog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The single-node benchmark: one Potluck node, run as a child JVM from its jar, against baselines
 * measured in the same run on the same machine.
 *
 * <ol>
 *   <li>a cache miss through the node vs fetching directly from an origin throttled to a WAN rate;
 *   <li>the node's RSS while streaming a 2 GiB object with a 128 MiB heap, and at a smaller size;
 *   <li>cache-hit throughput vs nginx serving the same file.
 * </ol>
 *
 * <p>Prints a table per part and writes everything (with the machine and the settings) as JSON. Every
 * process it starts is stopped, and every directory it creates deleted, in finally blocks and, failing
 * those, by a shutdown hook; a watchdog bounds the whole run. Exit status: 0 when every part ran, 1 when
 * a part failed, 2 on bad usage, 3 when the watchdog fired.
 */
public final class SingleNodeBench {

  private SingleNodeBench() {}

  public static void main(String[] args) {
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (BenchOptions.UsageException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(BenchOptions.usage());
      System.exit(2);
      return;
    }
    if (options == null) {
      System.exit(0);
      return;
    }
    Cleanup cleanup = new Cleanup();
    cleanup.installShutdownHook();
    Watchdog.start(options.maxSeconds);
    int status;
    try {
      status = run(options, cleanup);
    } catch (Exception e) {
      System.err.println("benchmark failed: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  private static int run(BenchOptions o, Cleanup cleanup) throws IOException {
    if (!Files.isRegularFile(o.jar)) {
      throw new IOException("node jar not found: " + o.jar.toAbsolutePath() + " (build with mvn -B -q install -DskipTests)");
    }
    long started = System.nanoTime();
    Path workDir = cleanup.newTempDir(o.tmp, "potluck-bench-");
    // Traversable by nginx's unprivileged workers.
    Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    // A private copy: the jar under node/target may be rebuilt while the benchmark runs.
    Path jar = workDir.resolve("potluck.jar");
    Files.copy(o.jar, jar, StandardCopyOption.REPLACE_EXISTING);

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", "single-node");
    report.put("startedAt", Instant.now().toString());
    report.put("machine", Machine.describe());
    report.put("loadAverageAtStart", Machine.loadAverage());
    Map<String, Object> nodeInfo = new LinkedHashMap<>();
    nodeInfo.put("jar", o.jar.toAbsolutePath().normalize().toString());
    nodeInfo.put("jarSha256", Digests.sha256Hex(jar));
    nodeInfo.put("jarModified", Files.getLastModifiedTime(o.jar).toInstant().toString());
    report.put("node", nodeInfo);
    report.put("settings", o.toMap());
    Map<String, Object> results = new LinkedHashMap<>();
    report.put("results", results);

    Map<?, ?> machine = (Map<?, ?>) report.get("machine");
    System.out.printf("Potluck single-node benchmark: %s CPUs (%s), %s RAM, %s%n", machine.get("nproc"), machine.get("cpu"),
        BenchOptions.human((Long) machine.get("memTotalBytes")), machine.get("java"));
    System.out.printf("node jar %s (sha256 %s), node JVM options: %s%n", o.jar, ((String) nodeInfo.get("jarSha256")).substring(0, 12),
        String.join(" ", o.nodeJvmOptions));

    boolean failed = false;
    try (Origin origin = new Origin(o.wanBytesPerSecond(), 32)) {
      BenchContext context = new BenchContext(o, cleanup, origin, workDir, jar);
      if (o.parts.contains("miss")) {
        failed |= !part(results, "missLatency", () -> new MissLatency(context).run());
      }
      if (o.parts.contains("rss")) {
        failed |= !part(results, "streamingRss", () -> new StreamingRss(context).run());
      }
      if (o.parts.contains("herd")) {
        failed |= !part(results, "herdHits", () -> new HerdHits(context).run());
      }
      if (o.parts.contains("hit")) {
        failed |= !part(results, "hitThroughput", () -> new HitThroughput(context).run());
      }
      if (o.parts.contains("relay")) {
        failed |= !part(results, "relayCost", () -> new RelayCost(context).run());
      }
      report.put("originBytesSent", origin.bytesSent());
    } finally {
      cleanup.delete(workDir);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    report.put("elapsedSeconds", MissLatency.round(seconds));
    report.put("loadAverageAtEnd", Machine.loadAverage());
    report.put("complete", !failed);

    printSummary(results);
    Path out = o.out.toAbsolutePath();
    Files.createDirectories(out.getParent());
    Files.writeString(out, Json.write(report), StandardCharsets.UTF_8);
    System.out.printf("%nresults: %s (%.0f s)%n", out, seconds);
    return failed ? 1 : 0;
  }

  @FunctionalInterface
  private interface Part {
    Map<String, Object> run() throws Exception;
  }

  /** Runs one part; a failure is reported and recorded, and the other parts still run. */
  private static boolean part(Map<String, Object> results, String name, Part part) {
    long start = System.nanoTime();
    CpuAccount cpuBefore = CpuAccount.now();
    try {
      Map<String, Object> result = part.run();
      double seconds = (System.nanoTime() - start) / 1e9;
      result.put("elapsedSeconds", MissLatency.round(seconds));
      CpuAccount cpuAfter = CpuAccount.now();
      String others = "";
      if (cpuBefore != null && cpuAfter != null) {
        double busy = cpuAfter.othersSince(cpuBefore);
        double steal = cpuAfter.stealSince(cpuBefore);
        result.put("otherProcessesCpuSeconds", MissLatency.round(busy));
        result.put("stealCpuSeconds", MissLatency.round(steal));
        others = String.format(java.util.Locale.ROOT, "; other processes used %.1f CPU-s, steal %.1f CPU-s%s",
            busy, steal, (busy + steal) / seconds > 0.1 ? " - figures may be disturbed" : "");
      }
      System.out.printf("  (%s: %.0f s%s)%n", name, seconds, others);
      results.put(name, result);
      return true;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      System.out.println();
      System.out.println(name + " FAILED: " + e);
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      System.err.println(trace);
      Map<String, Object> failure = new LinkedHashMap<>();
      failure.put("error", e.toString());
      results.put(name, failure);
      return false;
    }
  }

  @SuppressWarnings("unchecked")
  private static void printSummary(Map<String, Object> results) {
    System.out.println();
    System.out.println("Summary against the design targets");
    if (results.get("missLatency") instanceof Map<?, ?> miss && miss.get("sizes") instanceof List<?> sizes) {
      for (Object s : sizes) {
        Map<String, Object> e = (Map<String, Object>) s;
        System.out.printf("  miss/direct %-8s %6.3f  (target <= %.2f)  %s%n", BenchOptions.human((Long) e.get("sizeBytes")),
            (Double) e.get("missOverDirect"), MissLatency.TARGET, verdict((Boolean) e.get("meetsTarget")));
      }
    }
    if (results.get("streamingRss") instanceof Map<?, ?> rss && rss.get("sizes") instanceof List<?> sizes) {
      for (Object s : sizes) {
        Map<String, Object> e = (Map<String, Object>) s;
        System.out.printf("  peak RSS    %-8s %6.1f MiB (VmHWM %.1f MiB; target < 256)  %s%n",
            BenchOptions.human((Long) e.get("sizeBytes")), (Long) e.get("peakRssBytes") / 1048576.0,
            (Long) e.get("vmHwmBytes") / 1048576.0, verdict((Boolean) e.get("meetsTarget")));
      }
      System.out.printf("  RSS flatness (largest/smallest peak) %.3f%n", (Double) rss.get("peakLargestOverPeakSmallest"));
    }
    if (results.get("hitThroughput") instanceof Map<?, ?> hit) {
      if (hit.get("concurrency") instanceof List<?> list) {
        for (Object c : list) {
          Map<String, Object> e = (Map<String, Object>) c;
          System.out.printf("  hit/nginx   %d conn   %6.3f  (target >= %.1f)  %s%n", (Integer) e.get("connections"),
              (Double) e.get("nodeOverNginx"), HitThroughput.TARGET, verdict((Boolean) e.get("meetsTarget")));
        }
      } else if (hit.get("skipped") != null) {
        System.out.println("  hit/nginx   skipped: " + hit.get("skipped"));
      }
    }
    results.forEach((name, r) -> {
      if (r instanceof Map<?, ?> m && m.get("error") != null) {
        System.out.println("  " + name + ": FAILED (" + m.get("error") + ")");
      }
    });
  }

  private static String verdict(Boolean met) {
    return Boolean.TRUE.equals(met) ? "met" : "NOT met";
  }
}
