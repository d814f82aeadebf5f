package dev.potluck.bench.lan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadPlanTest {

  private static final double WAN = 5_000_000; // bytes per second (40 Mbit/s)
  private static final double LAN = 50_000_000; // 400 Mbit/s

  /** Ten packages of 1 MB to 10 MB: 55 MB in all. */
  private static PackageSet set() {
    List<PackageSet.Package> packages = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      packages.add(new PackageSet.Package("pkg-" + i, "pool/main/pkg-" + i + "_1.0_all.deb", i * 1_000_000L, "0" + i));
    }
    return PackageSet.of(packages);
  }

  @Test
  void allAtOnce_everyHostWantsTheSet_idealIsTheSetAtTheWanRate() {
    WorkloadPlan a = WorkloadPlan.of("a", set(), 8, 2, 0.5, 1);
    assertEquals(8, a.wants().size());
    assertTrue(a.wants().stream().allMatch(w -> w.startSeconds() == 0 && w.packages().count() == 10));
    assertEquals(55_000_000, a.uniqueBytes());
    assertEquals(80, a.filesWanted());
    assertEquals(11.0, a.idealSeconds(WAN, LAN), 1e-9);
    assertFalse(a.warmFirstHost());
  }

  @Test
  void staggered_lastHostStartsLate_idealIsItsStartPlusTheSetAtTheLanRate() {
    WorkloadPlan b = WorkloadPlan.of("b", set(), 8, 2, 0.5, 1);
    assertEquals(14.0, b.wants().get(7).startSeconds(), 1e-9);
    // max(55 MB / 5 MB/s = 11 s, 14 s + 55 MB / 50 MB/s = 15.1 s)
    assertEquals(15.1, b.idealSeconds(WAN, LAN), 1e-9);
    // With no spacing it is workload a.
    assertEquals(11.0, WorkloadPlan.of("b", set(), 8, 0, 0.5, 1).idealSeconds(WAN, LAN), 1e-9);
  }

  @Test
  void subsets_eachHostItsOwnShare_seeded_uniqueBytesAreTheUnion() {
    WorkloadPlan c = WorkloadPlan.of("c", set(), 4, 2, 0.3, 7);
    Set<Set<String>> distinct = new HashSet<>();
    Set<String> union = new HashSet<>();
    long unionBytes = 0;
    for (WorkloadPlan.HostWants w : c.wants()) {
      assertEquals(3, w.packages().count(), "a share of 0.3 of 10 packages");
      distinct.add(new HashSet<>(w.packages().names()));
      for (PackageSet.Package p : w.packages().packages()) {
        if (union.add(p.name())) {
          unionBytes += p.size();
        }
      }
    }
    assertTrue(distinct.size() > 1, "hosts want different subsets");
    assertEquals(unionBytes, c.uniqueBytes());
    assertEquals(12, c.filesWanted());
    assertEquals(c.wants().get(0).packages().names(), WorkloadPlan.of("c", set(), 4, 2, 0.3, 7).wants().get(0).packages().names());
    assertNotEquals(c.wants().get(0).packages().names(), WorkloadPlan.of("c", set(), 4, 2, 0.3, 8).wants().get(0).packages().names());
    // A tiny share still wants one package.
    assertEquals(1, WorkloadPlan.of("c", set(), 2, 2, 0.01, 1).wants().get(1).packages().count());
  }

  @Test
  void warmLan_nothingCrossesTheWan_idealIsTheSetAtTheLanRate() {
    WorkloadPlan d = WorkloadPlan.of("d", set(), 8, 2, 0.5, 1);
    assertTrue(d.warmFirstHost());
    assertEquals(55_000_000, d.uniqueBytes());
    assertEquals(1.1, d.idealSeconds(WAN, LAN), 1e-9);
  }

  @Test
  void unknownWorkload_isRefusedWithTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkloadPlan.of("e", set(), 2, 2, 0.5, 1));
    assertTrue(e.getMessage().contains("a, b, c, d"), e.getMessage());
  }
}
