package dev.potluck.node.http;

import dev.potluck.node.transfer.Throttle;
import java.util.function.LongSupplier;

/**
 * The peer listener's uploads: a slot for each body under way (at most {@link UploadLimits#maxUploads}),
 * one byte budget shared by all of them when the rate is capped, and the load figures the node
 * gossips: uploads under way, bytes sent, and the rate over the last {@link #RATE_WINDOW_NANOS}.
 *
 * <p>Pure bookkeeping, no I/O; time comes from the clock it is given. Confined to the node's context,
 * like the responses it serves.
 */
final class Uploads implements Throttle {

  /** The most a capped upload sends at once after a quiet spell; never more than one second's worth. */
  static final int MAX_BURST = 256 * 1024;
  /** How far back {@link #bytesPerSecond} looks. */
  static final long RATE_WINDOW_NANOS = 3_000_000_000L;
  static final int RATE_SLOTS = 12;

  private final UploadLimits limits;
  private final LongSupplier nanoClock;
  /** Null when the rate is not capped. */
  private final TokenBucket bucket;
  private final RateMeter meter = new RateMeter(RATE_WINDOW_NANOS, RATE_SLOTS);
  private int active;
  private long uploaded;

  /** One upload's claim on a slot; releasing it more than once releases it once. */
  final class Slot {
    private boolean released;

    void release() {
      if (!released) {
        released = true;
        active--;
      }
    }
  }

  /**
   * @param nanoClock a monotonic clock in nanoseconds, {@code System::nanoTime} but in tests
   */
  Uploads(UploadLimits limits, LongSupplier nanoClock) {
    this.limits = limits;
    this.nanoClock = nanoClock;
    this.bucket = limits.rateCapped()
        ? new TokenBucket(limits.bytesPerSecond(), (int) Math.min(MAX_BURST, limits.bytesPerSecond()))
        : null;
  }

  /** Takes a slot for a new upload, or returns null when {@link UploadLimits#maxUploads} are under way. */
  Slot tryStart() {
    if (active >= limits.maxUploads()) {
      return null;
    }
    active++;
    return new Slot();
  }

  @Override
  public boolean limitsRate() {
    return bucket != null;
  }

  @Override
  public long reserve(int bytes) {
    return bucket == null ? 0 : bucket.reserve(nanoClock.getAsLong(), bytes);
  }

  @Override
  public void wrote(long bytes) {
    uploaded += bytes;
    meter.record(nanoClock.getAsLong(), bytes);
  }

  UploadLimits limits() {
    return limits;
  }

  int active() {
    return active;
  }

  long uploadedBytes() {
    return uploaded;
  }

  long bytesPerSecond() {
    return meter.bytesPerSecond(nanoClock.getAsLong());
  }
}
