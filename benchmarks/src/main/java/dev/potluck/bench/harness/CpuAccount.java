package dev.potluck.bench.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU the rest of the machine used while the benchmark ran: all user and system CPU time
 * ({@code /proc/stat}) minus this process's and its reaped children's ({@code /proc/self/stat}, which
 * includes the nodes and nginx once they have been stopped). On a shared machine this tells whether a
 * figure was measured while something else competed for the cores. Steal time (a virtual machine's
 * CPU taken by its host) is kept apart.
 */
public record CpuAccount(double busySeconds, double ownSeconds, double stealSeconds, long atNanos) {

  /** Linux reports both files in USER_HZ ticks, 100 per second on every mainstream architecture. */
  private static final double TICKS_PER_SECOND = 100;

  /** Now, or null if {@code /proc} is not readable. */
  public static CpuAccount now() {
    try {
      String cpu = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0);
      String[] f = cpu.trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ... Interrupt time is left out: loopback traffic
      // is mostly processed in softirq context, charged to no process, though the benchmark caused it.
      long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]);
      String self = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
      String[] s = self.substring(self.lastIndexOf(')') + 2).trim().split("\\s+");
      // after "(comm) ": state is field 3, so utime (14) .. cstime (17) are indices 11..14
      long own = Long.parseLong(s[11]) + Long.parseLong(s[12]) + Long.parseLong(s[13]) + Long.parseLong(s[14]);
      long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
      return new CpuAccount(busy / TICKS_PER_SECOND, own / TICKS_PER_SECOND, steal / TICKS_PER_SECOND, System.nanoTime());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * As {@link #now}, with the CPU time of this process's live descendants (children not yet reaped,
   * and theirs) counted as its own: for a benchmark whose child processes run across the measurement.
   */
  public static CpuAccount nowWithDescendants() {
    CpuAccount base = now();
    if (base == null) {
      return null;
    }
    double descendants = ProcessHandle.current().descendants().mapToDouble(p -> Math.max(0, secondsOf(p.pid()))).sum();
    return new CpuAccount(base.busySeconds, base.ownSeconds + descendants, base.stealSeconds, base.atNanos);
  }

  /**
   * CPU seconds process {@code pid} has used, user and system, with its reaped children's; -1 if it is
   * gone or {@code /proc} is not readable.
   */
  public static double secondsOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      String[] s = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      long ticks = Long.parseLong(s[11]) + Long.parseLong(s[12]) + Long.parseLong(s[13]) + Long.parseLong(s[14]);
      return ticks / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** CPU seconds used by processes other than this benchmark's since {@code earlier}. */
  public double othersSince(CpuAccount earlier) {
    return Math.max(0, (busySeconds - earlier.busySeconds) - (ownSeconds - earlier.ownSeconds));
  }

  /** CPU seconds the hypervisor took from this virtual machine since {@code earlier} (0 on bare metal). */
  public double stealSince(CpuAccount earlier) {
    return Math.max(0, stealSeconds - earlier.stealSeconds);
  }

  public double wallSecondsSince(CpuAccount earlier) {
    return (atNanos - earlier.atNanos) / 1e9;
  }
}
