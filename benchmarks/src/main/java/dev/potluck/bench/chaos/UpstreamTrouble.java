package dev.potluck.bench.chaos;

import java.time.Duration;

/**
 * The upstream misbehaves while the largest package is fetched: every connection to it reset, then a
 * burst of 503s, then a stall (its link down) longer than the nodes' {@code --upstream-timeout}.
 */
final class UpstreamTrouble implements Fault {

  static final Duration BURST = Duration.ofSeconds(2);

  @Override
  public String id() {
    return "upstream-trouble";
  }

  @Override
  public String title() {
    return "upstream resets every connection, answers 503 for " + BURST.toSeconds()
        + " s, then stalls past --upstream-timeout";
  }

  @Override
  public void inject(Rig rig) throws Exception {
    rig.awaitShare(rig.largest(), 0.2, Duration.ofMinutes(2));
    // ss -K: the kernel aborts the sockets, and the nodes see connection resets mid-body.
    String killed = rig.must(rig.lan().upstream(), "ss", "-K", "-Htn", "state", "established", "sport", "=", ":80");
    rig.note("resetAtSeconds", rig.seconds());
    rig.note("connectionsReset", killed.lines().filter(l -> !l.isBlank()).count());
    Thread.sleep(1_000);
    rig.upstream().answer503(true);
    rig.note("errorsFromSeconds", rig.seconds());
    try {
      Thread.sleep(BURST.toMillis());
    } finally {
      rig.upstream().answer503(false);
    }
    rig.note("errorsUntilSeconds", rig.seconds());
    Thread.sleep(1_000);
    Duration stall = rig.upstreamTimeout().plusSeconds(2);
    rig.must(rig.lan().upstream(), "ip", "link", "set", "dev", "e0", "down");
    rig.note("stallFromSeconds", rig.seconds());
    try {
      Thread.sleep(stall.toMillis());
    } finally {
      rig.must(rig.lan().upstream(), "ip", "link", "set", "dev", "e0", "up");
    }
    rig.note("stallUntilSeconds", rig.seconds());
  }

  @Override
  public java.util.List<Integer> hostsHit(Rig rig) {
    return java.util.List.of();
  }
}
