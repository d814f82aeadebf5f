package dev.potluck.bench.chaos;

import dev.potluck.bench.lan.Lan;
import dev.potluck.bench.lan.Upstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hosts split into two halves that cannot reach each other (blackhole routes both ways; each half
 * still reaches the upstream) for {@link #HOLD}, from the moment the largest package's fetch is under
 * way; then healed. Each side fetches each file at most once, the views merge after healing, and no two
 * hosts hold different bodies for one file.
 */
final class Partition implements Fault {

  /** Longer than the failure detector needs to split the views (about 6 s). */
  static final Duration HOLD = Duration.ofSeconds(12);
  /** How long the views may take to merge after healing. */
  static final Duration MERGE_TIMEOUT = Duration.ofSeconds(60);

  @Override
  public String id() {
    return "partition";
  }

  @Override
  public String title() {
    return "two halves cut apart for " + HOLD.toSeconds() + " s mid-herd, then healed";
  }

  private static List<Integer> half(Rig rig, boolean first) {
    int n = rig.hostCount();
    List<Integer> hosts = new ArrayList<>();
    for (int h = 1; h <= n; h++) {
      if ((h <= n / 2) == first) {
        hosts.add(h);
      }
    }
    return hosts;
  }

  @Override
  public void inject(Rig rig) throws Exception {
    rig.awaitShare(rig.largest(), 0.05, Duration.ofMinutes(2));
    List<Integer> a = half(rig, true);
    List<Integer> b = half(rig, false);
    rig.note("sides", List.of(a, b));
    routes(rig, a, b, "add");
    rig.note("cutAtSeconds", rig.seconds());
    try {
      Thread.sleep(HOLD.toMillis());
    } finally {
      routes(rig, a, b, "del");
      rig.note("healedAtSeconds", rig.seconds());
    }
  }

  private static void routes(Rig rig, List<Integer> a, List<Integer> b, String verb) throws Exception {
    for (int x : a) {
      for (int y : b) {
        rig.must(rig.host(x), "ip", "route", verb, "blackhole", Lan.address(y) + "/32");
        rig.must(rig.host(y), "ip", "route", verb, "blackhole", Lan.address(x) + "/32");
      }
    }
  }

  @Override
  public void check(Rig rig, List<String> problems) throws Exception {
    // The views merge again.
    long t0 = System.nanoTime();
    long deadline = t0 + MERGE_TIMEOUT.toNanos();
    int n = rig.hostCount();
    while (true) {
      boolean merged = true;
      for (int h = 1; h <= n; h++) {
        merged &= rig.members(h) == n;
      }
      if (merged) {
        rig.note("viewsMergedSecondsAfterHerd", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
        break;
      }
      if (System.nanoTime() > deadline) {
        problems.add("the views did not merge within " + MERGE_TIMEOUT + " of the herd's end");
        break;
      }
      Thread.sleep(250);
    }
    // Each side fetched each package at most once: body bytes per side and file at most 1.10 x its size.
    Set<Integer> sideA = new HashSet<>(half(rig, true));
    Map<String, long[]> bytes = new HashMap<>();
    for (Upstream.Entry e : rig.upstreamEntries()) {
      if (!e.path().endsWith(".deb")) {
        continue;
      }
      int host = Integer.parseInt(e.remoteAddress().substring(e.remoteAddress().lastIndexOf('.') + 1));
      bytes.computeIfAbsent(e.path(), p -> new long[2])[sideA.contains(host) ? 0 : 1] += e.bodyBytes();
    }
    double worst = 0;
    for (var pkg : rig.packages().packages()) {
      long[] sides = bytes.getOrDefault("/" + pkg.path(), new long[2]);
      for (long side : sides) {
        worst = Math.max(worst, (double) side / pkg.size());
      }
    }
    rig.note("worstSideUpstreamPerSize", Math.round(worst * 1000) / 1000.0);
    if (worst > 1.10) {
      problems.add("one side fetched a package " + Math.round(worst * 100) / 100.0 + " x its size from upstream");
    }
  }
}
