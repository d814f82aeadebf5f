package dev.potluck.bench.chaos;

import java.util.List;

/** The scenarios the chaos suite knows, in the order they run by default. */
public final class Faults {

  private Faults() {}

  public static List<Fault> all() {
    return List.of(new FetcherKill(), new ArbiterKill(), new Partition(), new Restart(), new UpstreamTrouble(),
        new DiskFull());
  }

  public static List<String> ids() {
    return all().stream().map(Fault::id).toList();
  }

  /** The scenario named {@code id}; {@link IllegalArgumentException} naming the known ones otherwise. */
  public static Fault named(String id) {
    return all().stream().filter(f -> f.id().equals(id)).findFirst().orElseThrow(() -> new IllegalArgumentException(
        "no scenario '" + id + "' (" + String.join(", ", ids()) + ")"));
  }
}
