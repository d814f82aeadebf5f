package dev.potluck.bench.lan;

import java.util.Map;

/** The baseline: every host's client fetches straight from upstream, and nothing runs on the LAN. */
public final class DirectSystem implements LanSystem {

  @Override
  public String name() {
    return "direct";
  }

  @Override
  public void start(Context context) {
    // nothing to start
  }

  @Override
  public String proxyFor(int host) {
    return null;
  }

  @Override
  public void beforeWorkload() {
    // nothing to count
  }

  @Override
  public Report afterWorkload() {
    return new Report(null, null, null, Map.of(), Map.of());
  }

  @Override
  public void close() {
    // nothing started
  }
}
