package dev.potluck.bench.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventQueueTest {

  @Test
  void runNext_earliestFirst_sameInstantInScheduleOrder() {
    EventQueue q = new EventQueue();
    List<String> ran = new ArrayList<>();
    q.at(300, () -> ran.add("c@300"));
    q.at(100, () -> ran.add("a@100"));
    q.at(200, () -> ran.add("b1@200"));
    q.at(200, () -> ran.add("b2@200"));
    q.at(100, () -> ran.add("a2@100"));
    while (q.runNext()) {
      ran.add("now=" + q.now());
    }
    assertEquals(List.of("a@100", "now=100", "a2@100", "now=100", "b1@200", "now=200", "b2@200", "now=200",
        "c@300", "now=300"), ran);
  }

  @Test
  void at_pastInstant_runsNowAndClockNeverGoesBack() {
    EventQueue q = new EventQueue();
    List<Long> times = new ArrayList<>();
    q.at(1_000, () -> q.at(10, () -> times.add(q.now())));
    q.at(1_000, () -> times.add(q.now()));
    while (q.runNext()) {
      // run all
    }
    assertEquals(List.of(1_000L, 1_000L), times);
    assertEquals(1, q.nowMillis());
  }

  @Test
  void after_isRelativeToNow() {
    EventQueue q = new EventQueue();
    List<Long> times = new ArrayList<>();
    q.at(500, () -> q.after(250, () -> times.add(q.now())));
    q.runNext();
    assertEquals(750, q.nextAt());
    q.runNext();
    assertEquals(List.of(750L), times);
    assertFalse(q.runNext());
    assertEquals(Long.MAX_VALUE, q.nextAt());
  }
}
