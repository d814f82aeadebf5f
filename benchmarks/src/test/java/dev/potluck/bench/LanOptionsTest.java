package dev.potluck.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LanOptionsTest {

  @Test
  void parse_noFlags_fullRunDefaults() {
    LanOptions o = LanOptions.parse(new String[0]);
    assertEquals(8, o.hosts);
    assertEquals(40, o.packages);
    assertEquals(List.of("direct", "proxy", "potluck"), o.systems);
    assertEquals(List.of("a", "b", "c", "d"), o.workloads);
    assertEquals("apt", o.client);
    assertEquals(10, o.wanDelay());
    assertEquals(false, o.wanDelayGiven());
  }

  @Test
  void parse_quick_explicitFlagsWin() {
    LanOptions o = LanOptions.parse(new String[] {"--hosts", "6", "--quick", "--workloads", "c,A,c", "--client", "CURL"});
    assertEquals(6, o.hosts);
    assertEquals(12, o.packages);
    assertEquals(900, o.maxSeconds);
    assertEquals(List.of("c", "a"), o.workloads);
    assertEquals("curl", o.client);
    assertEquals(List.of(1L << 20, 100L << 10), LanOptions.parse(new String[] {"--sizes", "1M,100K"}).sizes);
  }

  @Test
  void parse_badInput_saysWhatIsWrong() {
    assertMessage("--systems: unknown 'squid'", "--systems", "direct,squid");
    assertMessage("--workloads: unknown 'e'", "--workloads", "e");
    assertMessage("--overlap must be above 0 and at most 1", "--overlap", "1.5");
    assertMessage("--hosts must be 1 to 200", "--hosts", "0");
    assertMessage("--client: unknown kind 'wget'", "--client", "wget");
    assertMessage("'x' is not an int", "--hosts", "x");
    assertMessage("Unknown option", "--bogus");
  }

  private static void assertMessage(String expected, String... args) {
    BenchOptions.UsageException e = assertThrows(BenchOptions.UsageException.class, () -> LanOptions.parse(args));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
