package dev.potluck.bench.chaos;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * {@code kill -9} of the node fetching the largest package from upstream, once it has {@link #SHARE} of
 * it: the others must finish it from where the LAN's bytes end, with one heir resuming upstream.
 */
final class FetcherKill implements Fault {

  static final double SHARE = 0.3;

  @Override
  public String id() {
    return "fetcher-kill";
  }

  @Override
  public String title() {
    return "kill -9 of the largest package's fetcher at " + Math.round(SHARE * 100) + " %";
  }

  @Override
  public void inject(Rig rig) throws Exception {
    var pkg = rig.largest();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      List<Rig.Copy> copies = rig.awaitShare(pkg, SHARE, Duration.ofMinutes(2));
      // The fetcher is ahead of everyone following it, and it holds a connection to the upstream.
      List<Rig.Copy> ahead = copies.stream().filter(c -> !c.complete())
          .sorted(Comparator.comparingLong(Rig.Copy::received).reversed()).toList();
      for (Rig.Copy c : ahead) {
        if (rig.talksToUpstream(c.host())) {
          rig.kill(c.host());
          rig.note("killedHost", c.host());
          rig.note("killedAtShare", Math.round(c.share() * 1000) / 1000.0);
          rig.note("killedAtSeconds", rig.seconds());
          return;
        }
      }
      if (copies.stream().anyMatch(Rig.Copy::complete)) {
        throw new IllegalStateException(pkg.path() + " was complete before its fetcher could be found at "
            + Math.round(SHARE * 100) + " %; use a larger package set or a slower WAN");
      }
      Thread.sleep(Rig.POLL.toMillis());
    }
    throw new IllegalStateException("no fetcher of " + pkg.path() + " found");
  }
}
