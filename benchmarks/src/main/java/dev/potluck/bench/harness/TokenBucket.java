package dev.potluck.bench.harness;

import java.util.concurrent.locks.LockSupport;

/**
 * A token bucket that paces writes to a byte rate: the simulated WAN link of the origin server.
 *
 * <p>Callers reserve tokens before writing; the balance may go negative, and the caller then waits until
 * the reservation is covered. Because the balance is computed from elapsed time, oversleeping in one wait
 * is paid back by a shorter wait in the next, so the long-run rate is exact. Shared by every connection
 * of the origin: they split one link, as clients behind one WAN uplink do.
 */
public final class TokenBucket {

  private final double bytesPerNano;
  private final long capacity;
  private double tokens;
  private long lastRefillNanos;

  /**
   * @param bytesPerSecond the sustained rate; must be positive
   * @param burstBytes the most that may be sent back to back after an idle period
   */
  public TokenBucket(long bytesPerSecond, long burstBytes) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive, got " + bytesPerSecond + " bytes/s");
    }
    if (burstBytes <= 0) {
      throw new IllegalArgumentException("burst must be positive, got " + burstBytes + " bytes");
    }
    this.bytesPerNano = bytesPerSecond / 1e9;
    this.capacity = burstBytes;
    this.tokens = burstBytes;
    this.lastRefillNanos = System.nanoTime();
  }

  /** Blocks until {@code bytes} may be sent. */
  public void acquire(int bytes) {
    long waitNanos = reserve(bytes, System.nanoTime());
    if (waitNanos <= 0) {
      return;
    }
    long deadline = System.nanoTime() + waitNanos;
    for (long left = waitNanos; left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /** Takes {@code bytes} from the balance; returns how long the caller must wait before sending them. */
  synchronized long reserve(int bytes, long nowNanos) {
    tokens = Math.min(capacity, tokens + (nowNanos - lastRefillNanos) * bytesPerNano);
    lastRefillNanos = nowNanos;
    tokens -= bytes;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / bytesPerNano);
  }
}
