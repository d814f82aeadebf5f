package dev.potluck.bench.lan;

import dev.potluck.bench.harness.PeriodicSampler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples the bytes an interface has sent, at a fixed period, to see when a link was busy and when it
 * sat idle. The interface is read from {@code /proc/<pid>/net/dev} of a process inside the namespace
 * that holds it, so sampling starts no process (and costs next to no CPU on a loaded machine).
 */
public final class LinkMeter extends PeriodicSampler<LinkMeter.Sample> {

  /** One reading: when ({@link System#nanoTime}) and the interface's transmitted bytes. */
  public record Sample(long atNanos, long txBytes) {}

  private final Path netDev;
  private final String device;

  private LinkMeter(long pid, String device) {
    super("link-meter");
    this.netDev = Path.of("/proc", Long.toString(pid), "net", "dev");
    this.device = device;
  }

  /** Starts sampling {@code device}, seen by process {@code pid}, every {@code periodMillis}. */
  public static LinkMeter start(long pid, String device, long periodMillis) throws IOException {
    LinkMeter meter = new LinkMeter(pid, device);
    meter.txBytes(); // fails now, with a message, if the interface is not there
    meter.begin(periodMillis);
    return meter;
  }

  private long txBytes() throws IOException {
    for (String line : Files.readAllLines(netDev, StandardCharsets.US_ASCII)) {
      String trimmed = line.trim();
      if (trimmed.startsWith(device + ":")) {
        // face: 8 receive fields, then the transmitted bytes.
        String[] f = trimmed.substring(device.length() + 1).trim().split("\\s+");
        return Long.parseLong(f[8]);
      }
    }
    throw new IOException("no interface " + device + " in " + netDev);
  }

  @Override
  protected Sample read() {
    try {
      return new Sample(System.nanoTime(), txBytes());
    } catch (IOException | RuntimeException e) {
      return null; // the process is gone: the samples so far stand
    }
  }

  /**
   * Seconds between {@code fromNanos} and {@code toNanos} during which the link sent at less than
   * {@code bytesPerSecond}, judged per sampling interval (an interval counts in proportion to its
   * overlap with the window).
   */
  public double secondsBelow(double bytesPerSecond, long fromNanos, long toNanos) {
    List<Sample> samples = samples();
    double idle = 0;
    for (int i = 1; i < samples.size(); i++) {
      Sample a = samples.get(i - 1);
      Sample b = samples.get(i);
      long start = Math.max(a.atNanos(), fromNanos);
      long end = Math.min(b.atNanos(), toNanos);
      if (end <= start || b.atNanos() <= a.atNanos()) {
        continue;
      }
      double rate = (b.txBytes() - a.txBytes()) / ((b.atNanos() - a.atNanos()) / 1e9);
      if (rate < bytesPerSecond) {
        idle += (end - start) / 1e9;
      }
    }
    return idle;
  }

  /** Bytes sent in each sampling interval that ends after {@code fromNanos}, in order. */
  public List<Long> series(long fromNanos) {
    List<Sample> samples = samples();
    List<Long> out = new ArrayList<>();
    for (int i = 1; i < samples.size(); i++) {
      if (samples.get(i).atNanos() > fromNanos) {
        out.add(samples.get(i).txBytes() - samples.get(i - 1).txBytes());
      }
    }
    return out;
  }
}
