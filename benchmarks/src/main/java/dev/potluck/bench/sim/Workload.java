package dev.potluck.bench.sim;

import java.util.Locale;

/** When hosts ask for what, and what goes wrong. */
enum Workload {
  /** Every host asks for the whole set at the same moment ("patch Tuesday"). */
  ALL("all"),
  /** Every host asks for the whole set, arriving at a uniformly random moment within the stagger window. */
  STAGGERED("staggered"),
  /** Every host asks at once for its own random half of the set (at least one object). */
  OVERLAP("overlap"),
  /** One host already holds the whole set; every other host asks for it at once. */
  WARM("warm"),
  /** As {@link #ALL}, and the host fetching the largest object upstream dies when it has half of it. */
  FAILURE("failure");

  final String label;

  Workload(String label) {
    this.label = label;
  }

  static Workload parse(String text) {
    String wanted = text.trim().toLowerCase(Locale.ROOT);
    for (Workload w : values()) {
      if (w.label.equals(wanted)) {
        return w;
      }
    }
    throw new IllegalArgumentException("unknown workload '" + text.trim() + "' (all, staggered, overlap, warm, failure)");
  }
}
