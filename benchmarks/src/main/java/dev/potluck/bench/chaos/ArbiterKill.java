package dev.potluck.bench.chaos;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kill -9} of the largest package's arbiter the moment its fetch is under way (its first bytes
 * seen anywhere): the members must pick a new arbiter, which learns the fetch from the survivors.
 */
final class ArbiterKill implements Fault {

  @Override
  public String id() {
    return "arbiter-kill";
  }

  @Override
  public String title() {
    return "kill -9 of the largest package's arbiter as its fetch starts";
  }

  @Override
  public void inject(Rig rig) throws Exception {
    Map<String, Integer> hostOf = new HashMap<>();
    for (int h = 1; h <= rig.hostCount(); h++) {
      hostOf.put(rig.nodeId(h), h);
    }
    var pkg = rig.largest();
    List<Rig.Copy> copies = rig.awaitShare(pkg, 0, Duration.ofMinutes(2));
    for (Rig.Copy c : copies) {
      Integer arbiter = c.arbiter() == null ? null : hostOf.get(c.arbiter());
      if (arbiter != null) {
        rig.note("arbiterHost", arbiter);
        rig.note("arbiterFetching", copies.stream().anyMatch(x -> x.host() == arbiter && !x.complete()));
        rig.kill(arbiter);
        rig.note("killedAtShare", Math.round(c.share() * 1000) / 1000.0);
        rig.note("killedAtSeconds", rig.seconds());
        return;
      }
    }
    throw new IllegalStateException("no node named the arbiter of " + pkg.path() + ": " + copies);
  }
}
