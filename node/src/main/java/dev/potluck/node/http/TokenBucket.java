package dev.potluck.node.http;

/**
 * A token bucket for bytes, in the "reserve, then wait" form: a writer {@link #reserve reserves} the
 * bytes it is about to send and is told how long to wait first. The bucket fills at the rate and
 * holds at most the burst; a reservation larger than what is in it goes into debt, which later
 * reservations wait out. So over any interval of length {@code t}, the bytes whose wait has passed
 * never exceed {@code burst + rate * t}, and writers waiting together are served in the order they
 * reserved.
 *
 * <p>The state is one instant, {@code paidUntil}: the moment the bucket is exactly empty. At {@code
 * now} it holds {@code (now - paidUntil) * rate} bytes, at most the burst (negative: debt). Pure:
 * time comes in as {@code now}, in nanoseconds from any fixed origin, never decreasing. Not
 * thread-safe.
 */
final class TokenBucket {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final long bytesPerSecond;
  private final long burstNanos;
  private long paidUntil = Long.MIN_VALUE;

  /**
   * @param bytesPerSecond the fill rate, at least 1
   * @param burstBytes what a full bucket holds, at least 1: the most sent at once after a quiet spell
   */
  TokenBucket(long bytesPerSecond, int burstBytes) {
    if (bytesPerSecond < 1) {
      throw new IllegalArgumentException("a token bucket needs a rate of at least 1 byte per second, not " + bytesPerSecond);
    }
    if (burstBytes < 1) {
      throw new IllegalArgumentException("a token bucket needs a burst of at least 1 byte, not " + burstBytes);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burstNanos = nanosFor(burstBytes);
  }

  /**
   * Takes {@code bytes} out of the bucket, into debt if need be.
   *
   * @return how long, in nanoseconds, the caller must wait before sending them: 0 to send now
   */
  long reserve(long now, int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("cannot reserve " + bytes + " bytes");
    }
    // A bucket idle for longer than a burst's worth of time is full, no fuller.
    paidUntil = Math.max(paidUntil, now - burstNanos) + nanosFor(bytes);
    return Math.max(0, paidUntil - now);
  }

  /** The time the bucket takes to fill with {@code bytes}, rounded up. */
  private long nanosFor(int bytes) {
    // bytes <= 2^31, so the product stays below 2^61: no overflow.
    long scaled = bytes * NANOS_PER_SECOND;
    return scaled / bytesPerSecond + (scaled % bytesPerSecond == 0 ? 0 : 1);
  }
}
