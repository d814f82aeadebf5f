package dev.potluck.bench.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Samples a process's resident set size from {@code /proc/<pid>/status} ({@code VmRSS}) at a fixed
 * period, pairing each sample with a progress counter (bytes the client has received so far), so RSS
 * can be read off at a fraction of a transfer. {@code VmHWM}, the kernel's own high-water mark, is
 * kept too: it catches a peak that falls between two samples.
 */
public final class RssSampler extends PeriodicSampler<RssSampler.Sample> {

  /** One reading: when (ns since start), the RSS in KiB, and the progress at that moment. */
  public record Sample(long atNanos, long rssKiB, long progress) {}

  private final long pid;
  private final LongSupplier progress;
  private final long startNanos = System.nanoTime();
  private volatile long highWaterKiB;

  private RssSampler(long pid, LongSupplier progress) {
    super("rss-sampler");
    this.pid = pid;
    this.progress = progress;
  }

  public static RssSampler start(long pid, long periodMillis, LongSupplier progress) {
    RssSampler sampler = new RssSampler(pid, progress);
    sampler.begin(periodMillis);
    return sampler;
  }

  /** One reading of {@code VmRSS} and {@code VmHWM} (KiB), or -1s if the process is gone. */
  public static long[] read(long pid) {
    try {
      long rss = -1;
      long hwm = -1;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          rss = kib(line);
        } else if (line.startsWith("VmHWM:")) {
          hwm = kib(line);
        }
      }
      return new long[] {rss, hwm};
    } catch (IOException e) {
      return new long[] {-1, -1};
    }
  }

  @Override
  protected Sample read() {
    long p = progress.getAsLong();
    long[] reading = read(pid);
    if (reading[0] < 0) {
      return null;
    }
    highWaterKiB = Math.max(highWaterKiB, reading[1]);
    return new Sample(System.nanoTime() - startNanos, reading[0], p);
  }

  /** The kernel's peak RSS for the process (over its whole life), as last read. */
  public long highWaterKiB() {
    return highWaterKiB;
  }

  public long peakKiB() {
    return samples().stream().mapToLong(Sample::rssKiB).max().orElse(-1);
  }

  /** RSS at the first sample taken once progress reached {@code fraction} of {@code total}. */
  public Sample at(double fraction, long total) {
    List<Sample> samples = samples();
    long threshold = (long) Math.ceil(fraction * total);
    for (Sample s : samples) {
      if (s.progress() >= threshold) {
        return s;
      }
    }
    return samples.isEmpty() ? null : samples.get(samples.size() - 1);
  }

  private static long kib(String line) {
    String[] parts = line.trim().split("\\s+");
    return Long.parseLong(parts[1]);
  }
}
