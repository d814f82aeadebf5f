package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {

  @Test
  void parse_bareNumberIsSeconds() {
    assertEquals(Duration.ofSeconds(300), DurationText.parse("300"));
  }

  @Test
  void parse_units() {
    assertEquals(Duration.ofMillis(250), DurationText.parse("250ms"));
    assertEquals(Duration.ofSeconds(300), DurationText.parse("300s"));
    assertEquals(Duration.ofMinutes(5), DurationText.parse("5m"));
    assertEquals(Duration.ofHours(2), DurationText.parse("2h"));
    assertEquals(Duration.ofDays(1), DurationText.parse("1d"));
  }

  @Test
  void parse_caseAndSpacesIgnored() {
    assertEquals(Duration.ofMinutes(5), DurationText.parse(" 5 M "));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "m", "5x", "-5s", "1.5h", "5 minutes", "1234567890s"})
  void parse_badInput_messageQuotesIt(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DurationText.parse(text));
    assertTrue(e.getMessage().contains("not a duration: '" + text + "'"), e.getMessage());
  }
}
