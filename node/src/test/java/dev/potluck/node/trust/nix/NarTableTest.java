package dev.potluck.node.trust.nix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NarTableTest {

  @Test
  void get_whatWasPut() {
    NarTable table = new NarTable(10);
    table.put("http://c/nar/a.nar.xz", digest(1), 100, 3);

    NarTable.Listed listed = table.get("http://c/nar/a.nar.xz");
    assertArrayEquals(digest(1), listed.sha256());
    assertEquals(100, listed.size());
    assertEquals(3, listed.source());
    assertNull(table.get("http://c/nar/b.nar.xz"));
  }

  @Test
  void put_sameUrlAgain_replacesInPlace() {
    NarTable table = new NarTable(2);
    table.put("a", digest(1), 1, 0);
    table.put("b", digest(2), 2, 0);
    table.put("a", digest(3), 3, 0);

    assertEquals(2, table.size());
    assertEquals(3, table.get("a").size());
    table.put("c", digest(4), 4, 0);
    assertNull(table.get("a"), "first learnt, first forgotten");
    assertEquals(2, table.get("b").size());
  }

  @Test
  void full_forgetsTheOldest() {
    NarTable table = new NarTable(3);
    for (int i = 0; i < 5; i++) {
      table.put("u" + i, digest(i), i, 0);
    }

    assertEquals(3, table.size());
    assertNull(table.get("u0"));
    assertNull(table.get("u1"));
    for (int i = 2; i < 5; i++) {
      assertArrayEquals(digest(i), table.get("u" + i).sha256());
    }
  }

  /** Growing past the first arrays and evicting through many probe runs keeps every entry findable. */
  @Test
  void manyEntries_matchAModel() {
    int capacity = 5000;
    NarTable table = new NarTable(capacity);
    LinkedHashMap<String, Integer> model = new LinkedHashMap<>();
    Random random = new Random(3);
    for (int step = 0; step < 30_000; step++) {
      String url = "http://c/nar/" + random.nextInt(12_000) + ".nar.xz";
      int value = random.nextInt(1_000_000);
      table.put(url, digest(value), value, 0);
      if (model.containsKey(url)) {
        model.put(url, value);
      } else {
        model.put(url, value);
        if (model.size() > capacity) {
          model.remove(model.keySet().iterator().next());
        }
      }
      if (step % 997 == 0) {
        check(table, model);
      }
    }
    check(table, model);
  }

  @Test
  void capacity_mustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new NarTable(0));
  }

  private static void check(NarTable table, Map<String, Integer> model) {
    assertEquals(model.size(), table.size());
    for (Map.Entry<String, Integer> e : model.entrySet()) {
      NarTable.Listed listed = table.get(e.getKey());
      assertEquals((long) e.getValue(), listed == null ? null : listed.size(), e.getKey());
      assertArrayEquals(digest(e.getValue()), listed.sha256());
    }
    for (int i = 12_000; i < 12_100; i++) {
      assertNull(table.get("http://c/nar/" + i + ".nar.xz"));
    }
  }

  private static byte[] digest(int seed) {
    byte[] d = new byte[32];
    new Random(seed).nextBytes(d);
    return d;
  }
}
