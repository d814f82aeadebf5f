package dev.potluck.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateMeterTest {

  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;

  /** 3 s in 12 slots of 250 ms, as the peer front uses it. */
  private final RateMeter meter = new RateMeter(3 * SECOND, 12);

  @Test
  void bytesPerSecond_nothingRecordedIsZero() {
    assertEquals(0, meter.bytesPerSecond(0));
    assertEquals(0, meter.bytesPerSecond(42 * SECOND));
  }

  @Test
  void bytesPerSecond_steadyFlowIsItsRate() {
    // 100 kB every 100 ms: 1 MB/s.
    for (long t = 0; t <= 10 * SECOND; t += 100 * MILLI) {
      meter.record(t, 100_000);
    }
    long rate = meter.bytesPerSecond(10 * SECOND + 99 * MILLI);
    assertEquals(1_000_000, rate, 1_000_000 / 50.0);
  }

  @Test
  void bytesPerSecond_dividesByTheTimeCovered() {
    // At 2.75 s the window covers 0..2.75 s: 11 full slots and the start of the current one.
    meter.record(0, 2_750_000);
    assertEquals(1_000_000, meter.bytesPerSecond(2750 * MILLI));
    // At 3.25 s the window is 0.25..3.25 s: the slot holding the bytes has dropped out.
    assertEquals(0, meter.bytesPerSecond(3250 * MILLI));
  }

  @Test
  void bytesPerSecond_fallsToZeroOneWindowAfterTheLastByte() {
    for (long t = 0; t < 2 * SECOND; t += 10 * MILLI) {
      meter.record(t, 10_000);
    }
    long busy = meter.bytesPerSecond(2 * SECOND);
    long later = meter.bytesPerSecond(4 * SECOND);
    assertTrue(later < busy, "rate " + later + " a second after a busy " + busy);
    assertEquals(0, meter.bytesPerSecond(5 * SECOND));
  }

  @Test
  void record_aSlotReusedAfterTheRingWrapsStartsFromZero() {
    meter.record(0, 5_000_000);
    // Same ring cell, one window later.
    meter.record(3 * SECOND, 3_000);
    assertEquals(3_000 * SECOND / (2750 * MILLI + 100 * MILLI), meter.bytesPerSecond(3100 * MILLI), 1);
  }

  @Test
  void record_worksForAnyClockOrigin() {
    long origin = -7 * SECOND - 123;
    meter.record(origin, 1_000_000);
    meter.record(origin + SECOND, 1_000_000);
    long rate = meter.bytesPerSecond(origin + 2 * SECOND);
    assertTrue(rate > 600_000 && rate <= 1_000_000, "rate " + rate);
  }

  @Test
  void constructor_refusesTooFewSlotsOrTooShortAWindow() {
    assertThrows(IllegalArgumentException.class, () -> new RateMeter(SECOND, 1));
    assertThrows(IllegalArgumentException.class, () -> new RateMeter(3, 12));
    assertThrows(IllegalArgumentException.class, () -> meter.record(0, -1));
  }
}
