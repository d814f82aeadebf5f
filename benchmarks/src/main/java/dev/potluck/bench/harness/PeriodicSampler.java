package dev.potluck.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Takes a reading at a fixed period on a daemon thread of its own, and one last reading when closed.
 * Thread-safe: {@link #samples} may be read while sampling goes on.
 *
 * @param <S> one reading
 */
public abstract class PeriodicSampler<S> implements AutoCloseable {

  private final List<S> samples = new ArrayList<>();
  private final ScheduledExecutorService timer;

  protected PeriodicSampler(String threadName) {
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
  }

  /** One reading now, or null when there is nothing to read (the process is gone, say). */
  protected abstract S read();

  /** Takes a first reading, then one every {@code periodMillis}. */
  protected final void begin(long periodMillis) {
    sample();
    timer.scheduleAtFixedRate(this::sample, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  private void sample() {
    S reading = read();
    if (reading != null) {
      synchronized (samples) {
        samples.add(reading);
      }
    }
  }

  /** Takes a last reading and stops. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sample();
  }

  /** The readings so far, oldest first. */
  public List<S> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }
}
