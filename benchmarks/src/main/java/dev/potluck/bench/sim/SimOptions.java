package dev.potluck.bench.sim;

import dev.potluck.bench.lan.PackageSet;
import dev.potluck.node.config.ByteSize;
import dev.potluck.scheduler.SchedulerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The simulator's settings, from the command line. */
final class SimOptions {

  /** A bad command line; a null message asks for the usage alone. */
  static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static final String USAGE = String.join("\n",
      "usage: SimBench [options]   (a discrete-event simulation of N nodes running the real scheduler)",
      "  --quick                  N = 10, 100; 10 objects, 20 MiB in all (seconds)",
      "  --nodes 10,100,1000      cluster sizes to run (default 10,100,1000)",
      "  --objects N              objects in the set (default 20)",
      "  --total-mb N             their total in MiB, log-uniform from 100 KiB (default 100)",
      "  --sizes 2M,100K,...      explicit object sizes instead",
      "  --wan-mbit R             upstream link shared by all hosts (default 100)",
      "  --lan-mbit R             each host's LAN port, each way (default 1000)",
      "  --latency-ms X           control message (and view) delivery delay (default 1)",
      "  --workload LIST          comma list of all, staggered, overlap, warm, failure (default all)",
      "  --seed N                 node ids, tick phases, arrivals, subsets, size order (default 1)",
      "  --pipeline N             objects a host's client asks for at once, as apt pipelines (default 10)",
      "  --stagger-seconds X      arrival window of the staggered workload (default 10)",
      "  --detect-ms N            failure detection: a dead host leaves the view after this (default 2000)",
      "  --max-uploads N          the scheduler's relay fan-out (default " + SchedulerConfig.DEFAULT_MAX_UPLOADS + ")",
      "  --max-sim-seconds N      bound on simulated time per run (default 3600)",
      "  --out PATH               JSON results; PNG charts go next to it (default benchmarks/results/sim.json)");

  boolean quick;
  List<Integer> nodes = List.of(10, 100, 1000);
  int objects = 20;
  double totalMb = 100;
  List<Long> sizes;
  double wanMbit = 100;
  double lanMbit = 1000;
  double latencyMs = 1;
  List<Workload> workloads = List.of(Workload.ALL);
  long seed = 1;
  int pipeline = 10;
  double staggerSeconds = 10;
  long detectMs = 2000;
  int maxUploads = SchedulerConfig.DEFAULT_MAX_UPLOADS;
  long maxSimSeconds = 3600;
  Path out = Path.of("benchmarks/results/sim.json");

  static SimOptions parse(String[] args) {
    SimOptions o = new SimOptions();
    if (Arrays.asList(args).contains("--quick")) {
      o.quick = true;
      o.nodes = List.of(10, 100);
      o.objects = 10;
      o.totalMb = 20;
    }
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--quick")) {
        continue;
      }
      if (flag.equals("-h") || flag.equals("--help")) {
        throw new UsageException(null);
      }
      if (i + 1 >= args.length) {
        throw new UsageException("missing value for " + flag);
      }
      String v = args[++i];
      try {
        switch (flag) {
          case "--nodes" -> o.nodes = nodes(v);
          case "--objects" -> o.objects = between(Integer.parseInt(v), 1, 100_000);
          case "--total-mb" -> o.totalMb = positive(Double.parseDouble(v));
          case "--sizes" -> o.sizes = sizes(v);
          case "--wan-mbit" -> o.wanMbit = positive(Double.parseDouble(v));
          case "--lan-mbit" -> o.lanMbit = positive(Double.parseDouble(v));
          case "--latency-ms" -> o.latencyMs = nonNegative(Double.parseDouble(v));
          case "--workload" -> o.workloads = workloads(v);
          case "--seed" -> o.seed = Long.parseLong(v);
          case "--pipeline" -> o.pipeline = between(Integer.parseInt(v), 1, 1000);
          case "--stagger-seconds" -> o.staggerSeconds = nonNegative(Double.parseDouble(v));
          case "--detect-ms" -> o.detectMs = between(Integer.parseInt(v), 0, 600_000);
          case "--max-uploads" -> o.maxUploads = between(Integer.parseInt(v), 1, 1000);
          case "--max-sim-seconds" -> o.maxSimSeconds = between(Integer.parseInt(v), 1, 86_400);
          case "--out" -> o.out = Path.of(v);
          default -> throw new UsageException("unknown option " + flag);
        }
      } catch (IllegalArgumentException e) {
        if (e instanceof UsageException) {
          throw e;
        }
        throw new UsageException(flag + ": " + e.getMessage());
      }
    }
    if (o.sizes == null) {
      try {
        o.sizes = PackageSet.spreadSizes(o.objects, (long) (o.totalMb * 1048576), o.seed);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--objects/--total-mb: " + e.getMessage());
      }
    }
    return o;
  }

  SimSettings settings(int n, Workload workload) {
    return new SimSettings(n, sizes, wanMbit * 1e6 / 8, lanMbit * 1e6 / 8, Math.round(latencyMs * 1000), workload, seed,
        pipeline, Math.round(staggerSeconds * 1000), detectMs, maxSimSeconds * 1000,
        SchedulerConfig.defaults().withMaxUploads(maxUploads));
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("quick", quick);
    m.put("nodes", nodes);
    m.put("objects", sizes.size());
    m.put("sizes", sizes);
    m.put("totalBytes", sizes.stream().mapToLong(Long::longValue).sum());
    m.put("wanMbitPerSecond", wanMbit);
    m.put("lanMbitPerSecond", lanMbit);
    m.put("latencyMs", latencyMs);
    m.put("workloads", workloads.stream().map(w -> w.label).toList());
    m.put("seed", seed);
    m.put("pipeline", pipeline);
    m.put("staggerSeconds", staggerSeconds);
    m.put("failureDetectMs", detectMs);
    m.put("maxUploads", maxUploads);
    m.put("maxSimSeconds", maxSimSeconds);
    m.put("tickMs", SimSettings.TICK_MILLIS);
    m.put("formingMs", SimSettings.FORMING_MILLIS);
    return m;
  }

  private static List<Integer> nodes(String text) {
    List<Integer> list = new ArrayList<>();
    for (String s : text.split(",")) {
      int n = Integer.parseInt(s.trim());
      if (n < 2 || n > 100_000) {
        throw new IllegalArgumentException("each cluster size must be 2 to 100000, got " + n);
      }
      list.add(n);
    }
    return List.copyOf(list);
  }

  private static List<Long> sizes(String text) {
    List<Long> list = new ArrayList<>();
    for (String s : text.split(",")) {
      long size = ByteSize.parse(s.trim());
      if (size <= 0) {
        throw new IllegalArgumentException("sizes must be positive, got " + s.trim());
      }
      list.add(size);
    }
    return List.copyOf(list);
  }

  private static List<Workload> workloads(String text) {
    List<Workload> list = new ArrayList<>();
    for (String s : text.split(",")) {
      Workload w = Workload.parse(s);
      if (!list.contains(w)) {
        list.add(w);
      }
    }
    return List.copyOf(list);
  }

  private static int between(int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException("must be " + min + " to " + max + ", got " + value);
    }
    return value;
  }

  private static double positive(double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException("must be positive, got " + value);
    }
    return value;
  }

  private static double nonNegative(double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException("must be 0 or more, got " + value);
    }
    return value;
  }
}
