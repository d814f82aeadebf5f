package dev.potluck.bench.harness;

/** Bounds a benchmark run: ends the JVM with status 3 (the shutdown hook then cleans up) if it outlives its time. */
public final class Watchdog {

  private Watchdog() {}

  /** Starts a daemon thread that exits the JVM after {@code seconds}. */
  public static void start(long seconds) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(seconds * 1000);
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("benchmark exceeded --max-seconds " + seconds + "; stopping");
      System.exit(3);
    }, "bench-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
