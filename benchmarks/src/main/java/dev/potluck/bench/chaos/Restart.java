package dev.potluck.bench.chaos;

import java.time.Duration;
import java.util.List;

/**
 * {@code kill -9} of a node receiving the largest package at 40 %, started again at once on the same
 * cache: it must come back on what it had committed, serve nothing half-written, and rejoin.
 */
final class Restart implements Fault {

  static final double SHARE = 0.4;

  @Override
  public String id() {
    return "restart";
  }

  @Override
  public String title() {
    return "kill -9 and restart of a receiving node at " + Math.round(SHARE * 100) + " % of the largest package";
  }

  @Override
  public void inject(Rig rig) throws Exception {
    var pkg = rig.largest();
    List<Rig.Copy> copies = rig.awaitShare(pkg, SHARE, Duration.ofMinutes(2));
    // A receiver, not the fetcher: the restart is about the node's own cache, not about a lost lease.
    int host = copies.stream().filter(c -> !c.complete()).mapToInt(Rig.Copy::host).filter(h -> {
      try {
        return !rig.talksToUpstream(h);
      } catch (Exception e) {
        return false;
      }
    }).findFirst().orElse(copies.get(copies.size() - 1).host());
    rig.kill(host);
    rig.note("restartedHost", host);
    rig.note("killedAtSeconds", rig.seconds());
    rig.nodes().restart(host, Duration.ofSeconds(60));
    rig.note("answeringAgainAtSeconds", rig.seconds());
  }
}
