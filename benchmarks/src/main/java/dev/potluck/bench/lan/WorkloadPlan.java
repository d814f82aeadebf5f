package dev.potluck.bench.lan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Who wants what, and when, in one workload:
 *
 * <ul>
 *   <li>{@code a}, "patch Tuesday": every host wants the whole set, all at the same moment;
 *   <li>{@code b}, staggered arrivals: every host wants the whole set, host i starting {@code (i - 1) x
 *       spacing} seconds after the first;
 *   <li>{@code c}, overlapping subsets: each host wants its own random share {@code overlap} of the set
 *       (seeded per host), so any two hosts' wants overlap by about that share, all at once;
 *   <li>{@code d}, warm LAN: as {@code a}, but host 1 (its node, or the central proxy) already holds
 *       the whole set; a system without a cache of its own (direct) runs it as {@code a}.
 * </ul>
 *
 * <p>The ideal makespan is a lower bound no system can beat on this LAN: the bytes that must cross the
 * WAN (one copy of the union of the wants; none in {@code d}) at the WAN's rate, and for each host its
 * start plus its own wants at its LAN port's rate; the larger of the two.
 *
 * @param wants host i's wants at index i - 1
 * @param warmFirstHost whether host 1's cache is filled with the whole set before the workload
 */
public record WorkloadPlan(String id, String title, List<HostWants> wants, boolean warmFirstHost) {

  /** The workloads the benchmark knows, in the order they run by default. */
  public static final List<String> IDS = List.of("a", "b", "c", "d");

  /** One host's part: the packages it wants and when it starts (seconds after the release). */
  public record HostWants(int host, double startSeconds, PackageSet packages) {}

  public static WorkloadPlan of(String id, PackageSet set, int hosts, double spacingSeconds, double overlap, long seed) {
    List<HostWants> wants = new ArrayList<>();
    switch (id) {
      case "a", "d" -> {
        for (int i = 1; i <= hosts; i++) {
          wants.add(new HostWants(i, 0, set));
        }
        return new WorkloadPlan(id, id.equals("a") ? "all at once" : "warm LAN (host 1 holds the set)", wants, id.equals("d"));
      }
      case "b" -> {
        for (int i = 1; i <= hosts; i++) {
          wants.add(new HostWants(i, (i - 1) * spacingSeconds, set));
        }
        return new WorkloadPlan(id, String.format(Locale.ROOT, "staggered, one host every %.1f s", spacingSeconds), wants, false);
      }
      case "c" -> {
        int share = Math.max(1, (int) Math.round(overlap * set.count()));
        for (int i = 1; i <= hosts; i++) {
          List<Integer> order = new ArrayList<>();
          for (int k = 0; k < set.count(); k++) {
            order.add(k);
          }
          Collections.shuffle(order, new Random(seed * 7919 + i));
          Set<String> picked = new HashSet<>();
          for (int k : order.subList(0, share)) {
            picked.add(set.packages().get(k).name());
          }
          wants.add(new HostWants(i, 0, set.subset(p -> picked.contains(p.name()))));
        }
        return new WorkloadPlan(id, String.format(Locale.ROOT, "overlapping subsets, %.0f%% of the set each", overlap * 100),
            wants, false);
      }
      default -> throw new IllegalArgumentException("no workload '" + id + "' (" + String.join(", ", IDS) + ")");
    }
  }

  /** One copy of every package some host wants. */
  public long uniqueBytes() {
    Set<String> seen = new HashSet<>();
    long bytes = 0;
    for (HostWants w : wants) {
      for (PackageSet.Package p : w.packages().packages()) {
        if (seen.add(p.name())) {
          bytes += p.size();
        }
      }
    }
    return bytes;
  }

  /** Files all hosts want together, counting each host's copy. */
  public int filesWanted() {
    return wants.stream().mapToInt(w -> w.packages().count()).sum();
  }

  /** The lower bound described above, in seconds, for link rates in bytes per second. */
  public double idealSeconds(double wanBytesPerSecond, double lanBytesPerSecond) {
    double wan = warmFirstHost ? 0 : uniqueBytes() / wanBytesPerSecond;
    double lan = 0;
    for (HostWants w : wants) {
      if (!(warmFirstHost && w.host() == 1)) {
        lan = Math.max(lan, w.startSeconds() + w.packages().uniqueBytes() / lanBytesPerSecond);
      }
    }
    return Math.max(wan, lan);
  }
}
