package dev.potluck.node.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.potluck.protocol.ObjectKey;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StreamRatesTest {

  private static final ObjectKey KEY = new ObjectKey("ab".repeat(32));

  @Test
  void update_measuresOverWholeWindows() {
    StreamRates rates = new StreamRates();
    assertEquals(0, rates.update(KEY, 0, 1_000, 1_000), "nothing measured yet");
    assertEquals(0, rates.update(KEY, 500, 1_000, 1_500), "half a window: the last rate stands");
    assertEquals(2_000, rates.update(KEY, 4_000, 1_000, 3_000), "4000 bytes in 2 s");
    assertEquals(1_000, rates.update(KEY, 5_000, 1_000, 4_000));
  }

  @Test
  void update_firstSeenLate_countsFromTheStart() {
    StreamRates rates = new StreamRates();
    assertEquals(3_000, rates.update(KEY, 6_000, 0, 2_000), "6000 bytes since it started 2 s ago");
  }

  @Test
  void retain_forgetsEndedObjects() {
    StreamRates rates = new StreamRates();
    rates.update(KEY, 6_000, 0, 2_000);
    rates.retain(Set.of());
    assertEquals(0, rates.update(KEY, 6_000, 2_000, 2_000), "measured afresh");
  }
}
