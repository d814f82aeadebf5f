package dev.potluck.bench.sim;

import dev.potluck.bench.harness.Json;
import dev.potluck.bench.harness.Machine;
import dev.potluck.bench.harness.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the simulator for each workload and cluster size, prints a table, and writes the JSON and the
 * charts. Exit status: 0 when every run finished with every surviving client holding all it asked for,
 * 1 otherwise, 2 on bad usage.
 */
public final class SimBench {

  private SimBench() {}

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    SimOptions options;
    try {
      options = SimOptions.parse(args);
    } catch (SimOptions.UsageException e) {
      if (e.getMessage() != null) {
        System.err.println("error: " + e.getMessage());
      }
      System.err.println(SimOptions.USAGE);
      System.exit(e.getMessage() == null ? 0 : 2);
      return;
    }
    int status;
    try {
      status = run(options);
    } catch (Exception e) {
      System.err.println("simulation failed: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  private static int run(SimOptions o) throws IOException {
    long total = o.sizes.stream().mapToLong(Long::longValue).sum();
    System.out.printf(Locale.ROOT, "simulating %s nodes, workload %s: %d objects, %.1f MiB, WAN %.0f Mbit/s, LAN %.0f "
            + "Mbit/s per port, latency %.2f ms, seed %d%n", o.nodes, o.workloads.stream().map(w -> w.label).toList(),
        o.sizes.size(), total / 1048576.0, o.wanMbit, o.lanMbit, o.latencyMs, o.seed);
    // Unreported: the scheduler's code gets compiled by the JIT, as in a node that has run for a while,
    // before its CPU time per call is measured.
    new Simulation(o.settings(Math.min(50, o.nodes.stream().mapToInt(Integer::intValue).max().orElse(10)),
        o.workloads.get(0))).run();
    List<SimResult> results = new ArrayList<>();
    boolean ok = true;
    for (Workload w : o.workloads) {
      for (int n : o.nodes) {
        SimResult r = new Simulation(o.settings(n, w)).run();
        results.add(r);
        System.out.printf(Locale.ROOT, "  %-9s N=%-5d done in %.1f s, %.2f CPU-s (%.1f s simulated, %d events)%s%n",
            w.label, n, r.wallSeconds(), r.cpuSeconds(), r.simulatedSeconds(), r.events(),
            complete(r) ? "" : "  INCOMPLETE: " + r.missing() + " objects missing, " + r.clientErrors() + " client errors");
        ok &= complete(r);
      }
    }
    table(results);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "sim");
    json.put("machine", Machine.describe());
    json.put("settings", o.toMap());
    json.put("runs", results.stream().map(SimResult::toMap).toList());
    Path out = o.out.toAbsolutePath();
    Files.createDirectories(out.getParent());
    Files.writeString(out, Json.write(json));
    System.out.println("results: " + out);
    for (Path chart : SimCharts.write(results, out.getParent())) {
      System.out.println("chart:   " + chart);
    }
    return ok ? 0 : 1;
  }

  private static boolean complete(SimResult r) {
    return r.finished() && r.missing() == 0 && r.clientErrors() == 0;
  }

  private static void table(List<SimResult> results) {
    Table t = new Table("workload", "N", "upstream/unique", "makespan s", "/ideal", "upload max/mean",
        "msgs/object", "w/o load", "deliveries/object", "deliv/obj/requester", "w/o load", "sched us/call", "Want us", "Load us", "calls", "wall s",
        "all got all");
    for (SimResult r : results) {
      t.row(r.settings().workload().label, r.settings().nodes(), f2(r.upstreamRatio()), f2(r.makespanSeconds()),
          f2(r.makespanRatio()), f2(r.uploadSpread()), f1(r.messagesPerObject()), f1(r.messagesPerObjectWithoutLoad()),
          f1(r.deliveriesPerObject()), f2(r.deliveriesPerRequest()), f2(r.deliveriesPerRequestWithoutLoad()),
          f2(r.cpuMicrosPerCall()), f1(r.cpuMicrosPerCall("onMessage Want")),
          f2(r.cpuMicrosPerCall("onMessage Load")), r.schedulerCalls(), f1(r.wallSeconds()),
          complete(r) ? "yes" : "NO (" + r.missing() + " missing)");
    }
    System.out.println();
    t.print(System.out);
    System.out.println();
  }

  private static String f1(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "-";
  }

  private static String f2(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "-";
  }
}
