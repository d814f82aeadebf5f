package dev.potluck.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;
  private static final long RATE = 1_000_000;
  private static final int BURST = 100_000;

  private final TokenBucket bucket = new TokenBucket(RATE, BURST);

  @Test
  void reserve_fullBucketSendsTheBurstAtOnce() {
    assertEquals(0, bucket.reserve(0, 60_000));
    assertEquals(0, bucket.reserve(0, 40_000));
  }

  @Test
  void reserve_beyondTheBurstWaitsForTheRate() {
    assertEquals(0, bucket.reserve(0, BURST));
    // 1 MB/s: 10 kB take 10 ms to come in.
    assertEquals(10 * MILLI, bucket.reserve(0, 10_000));
  }

  @Test
  void reserve_waitersQueueInTheOrderTheyReserved() {
    bucket.reserve(0, BURST);
    assertEquals(10 * MILLI, bucket.reserve(0, 10_000));
    assertEquals(20 * MILLI, bucket.reserve(0, 10_000));
    assertEquals(30 * MILLI, bucket.reserve(0, 10_000));
    // The first waiter's time has come: the others still wait their turn.
    assertEquals(20 * MILLI, bucket.reserve(10 * MILLI, 0));
  }

  @Test
  void reserve_largerThanTheBurstGoesIntoDebt() {
    assertEquals(50 * MILLI, bucket.reserve(0, 150_000));
    assertEquals(60 * MILLI, bucket.reserve(0, 10_000));
  }

  @Test
  void reserve_refillsAtTheRateUpToTheBurstOnly() {
    bucket.reserve(0, BURST);
    // After 50 ms, 50 kB are back.
    assertEquals(0, bucket.reserve(50 * MILLI, 50_000));
    assertEquals(1 * MILLI, bucket.reserve(50 * MILLI, 1_000));
    // After a long quiet spell the bucket holds the burst, no more.
    assertEquals(0, bucket.reserve(100 * SECOND, BURST));
    assertEquals(1 * MILLI, bucket.reserve(100 * SECOND, 1_000));
  }

  @Test
  void reserve_sustainedFlowGoesAtTheRate() {
    long now = 0;
    long sent = 0;
    // A writer that sends each chunk exactly when it is told to.
    while (sent < 10 * RATE) {
      now += bucket.reserve(now, 64 * 1024);
      sent += 64 * 1024;
    }
    long expected = (sent - BURST) * SECOND / RATE;
    assertTrue(Math.abs(now - expected) < MILLI, "10 MB at 1 MB/s ended at " + now + " ns, expected about " + expected);
  }

  @Test
  void reserve_lateWakeUpsAreMadeUpFromTheBurst() {
    bucket.reserve(0, BURST);
    long due = bucket.reserve(0, 10_000);
    // The writer wakes 5 ms late and sends; the next chunk's wait is shorter by as much.
    long next = bucket.reserve(due + 5 * MILLI, 10_000);
    assertEquals(5 * MILLI, next);
  }

  @Test
  void reserve_roundsPartialNanosecondsUp() {
    TokenBucket odd = new TokenBucket(3, 1);
    odd.reserve(0, 1);
    assertEquals(333_333_334L, odd.reserve(0, 1));
  }

  @Test
  void reserve_negativeBytesRefused() {
    assertThrows(IllegalArgumentException.class, () -> bucket.reserve(0, -1));
  }

  @Test
  void constructor_refusesANonPositiveRateOrBurst() {
    IllegalArgumentException rate = assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, BURST));
    assertTrue(rate.getMessage().contains("not 0"), rate.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TokenBucket(RATE, 0));
  }
}
