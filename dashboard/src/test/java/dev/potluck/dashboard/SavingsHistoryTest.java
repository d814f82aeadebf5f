package dev.potluck.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;

class SavingsHistoryTest {

  @Test
  void record_keepsSamplesOldestFirst() {
    SavingsHistory history = new SavingsHistory(4, 1_000);
    history.record(1_000, 10, 0);
    history.record(2_000, 20, 5);
    assertEquals(new JsonArray("[[1000,10,0],[2000,20,5]]"), history.toJson());
  }

  @Test
  void record_withinTheInterval_isSkipped() {
    SavingsHistory history = new SavingsHistory(4, 1_000);
    assertTrue(history.record(1_000, 10, 0));
    assertFalse(history.record(1_999, 11, 0));
    assertTrue(history.record(2_000, 12, 0));
    assertEquals(2, history.size());
  }

  @Test
  void record_whenFull_dropsTheOldest() {
    SavingsHistory history = new SavingsHistory(3, 0);
    for (int i = 1; i <= 5; i++) {
      history.record(i, i * 10, i);
    }
    assertEquals(3, history.size());
    assertEquals(new JsonArray("[[3,30,3],[4,40,4],[5,50,5]]"), history.toJson());
  }

  @Test
  void constructor_refusesNonsense() {
    assertEquals("history capacity must be at least 1, was 0",
        assertThrows(IllegalArgumentException.class, () -> new SavingsHistory(0, 1)).getMessage());
    assertEquals("history interval must be >= 0 ms, was -1",
        assertThrows(IllegalArgumentException.class, () -> new SavingsHistory(1, -1)).getMessage());
  }
}
