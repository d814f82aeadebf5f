package dev.potluck.bench.chaos;

import dev.potluck.bench.lan.Namespace;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The last host's cache is a tmpfs with room for half the set: it fills up mid-herd. A few seconds
 * later the room comes back (the tmpfs is grown). That host's client may see errors while the disk is
 * full; every other host must not notice, and nothing corrupt may be committed anywhere. After the
 * herd the host's client runs again and must get everything.
 */
final class DiskFull implements Fault {

  static final double ROOM = 0.5;
  static final Duration FULL_FOR = Duration.ofSeconds(3);

  @Override
  public String id() {
    return "disk-full";
  }

  @Override
  public String title() {
    return "the last host's cache (tmpfs) has room for half the set, grown " + FULL_FOR.toSeconds() + " s after it fills";
  }

  @Override
  public Map<Integer, Long> tmpfsCaches(int hosts, long uniqueBytes) {
    return Map.of(hosts, (long) (uniqueBytes * ROOM));
  }

  @Override
  public void inject(Rig rig) throws Exception {
    int host = rig.hostCount();
    String dir = rig.nodes().cacheDir(host).toString();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (used(rig, dir) < 0.95) {
      if (System.nanoTime() > deadline) {
        rig.note("neverFull", true);
        return;
      }
      Thread.sleep(Rig.POLL.toMillis());
    }
    rig.note("fullAtSeconds", rig.seconds());
    Thread.sleep(FULL_FOR.toMillis());
    long room = rig.packages().uniqueBytes() * 4;
    Namespace.mustRoot(rig.cleanup(), Duration.ofSeconds(10), "mount", "-o", "remount,size=" + room, dir);
    rig.note("roomBackAtSeconds", rig.seconds());
  }

  /** The share of the tmpfs at {@code dir} in use. */
  private static double used(Rig rig, String dir) throws Exception {
    String out = Namespace.mustRoot(rig.cleanup(), Duration.ofSeconds(10), "df", "--output=used,size", "-B1", dir);
    String[] last = out.strip().lines().reduce((a, b) -> b).orElseThrow().trim().split("\\s+");
    return Double.parseDouble(last[0]) / Double.parseDouble(last[1]);
  }

  @Override
  public List<Integer> hostsHit(Rig rig) {
    return List.of(rig.hostCount());
  }
}
