package dev.potluck.node.http;

import java.util.Arrays;

/**
 * A recent rate in bytes per second: a sliding window cut into equal slots. {@link #record} adds
 * bytes to the slot of {@code now}; {@link #bytesPerSecond} divides what the window's slots hold by
 * the time they cover, from the start of the oldest slot to {@code now}. Bytes older than the
 * window drop out one slot at a time, so a rate falls to 0 one window after the last byte.
 *
 * <p>Pure: time comes in as {@code now}, in nanoseconds from any fixed origin, never decreasing.
 * Memory is one counter per slot, whatever the traffic. Not thread-safe.
 */
final class RateMeter {

  private static final double NANOS_PER_SECOND = 1e9;

  private final long slotNanos;
  /** Which slot (time / slotNanos) each cell of the ring counts for. */
  private final long[] slotOf;
  private final long[] bytes;

  /**
   * @param windowNanos how far back the rate looks
   * @param slots how many pieces the window is cut into: more is smoother, each costs two longs
   */
  RateMeter(long windowNanos, int slots) {
    if (slots < 2) {
      throw new IllegalArgumentException("a rate window needs at least 2 slots, not " + slots);
    }
    if (windowNanos < slots) {
      throw new IllegalArgumentException("a rate window of " + windowNanos + " ns is too short for " + slots + " slots");
    }
    this.slotNanos = windowNanos / slots;
    this.slotOf = new long[slots];
    this.bytes = new long[slots];
    Arrays.fill(slotOf, Long.MIN_VALUE);
  }

  void record(long now, long count) {
    if (count < 0) {
      throw new IllegalArgumentException("cannot record " + count + " bytes");
    }
    long slot = Math.floorDiv(now, slotNanos);
    int cell = (int) Math.floorMod(slot, (long) slotOf.length);
    if (slotOf[cell] != slot) {
      slotOf[cell] = slot;
      bytes[cell] = 0;
    }
    bytes[cell] += count;
  }

  /** The bytes recorded in the last window, per second. */
  long bytesPerSecond(long now) {
    long current = Math.floorDiv(now, slotNanos);
    long oldest = current - slotOf.length + 1;
    long sum = 0;
    for (int i = 0; i < slotOf.length; i++) {
      if (slotOf[i] >= oldest && slotOf[i] <= current) {
        sum += bytes[i];
      }
    }
    long covered = now - oldest * slotNanos;
    return (long) (sum * NANOS_PER_SECOND / covered);
  }
}
