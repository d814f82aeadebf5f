package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RateTextTest {

  @Test
  void parse_zeroAndUnlimitedMeanNoCap() {
    assertEquals(0, RateText.parse("0"));
    assertEquals(0, RateText.parse("unlimited"));
    assertEquals(0, RateText.parse("Unlimited"));
    assertEquals(0, RateText.parse("0M/s"));
  }

  @Test
  void parse_bytesPerSecondInBinaryUnits() {
    assertEquals(500L << 10, RateText.parse("500K"));
    assertEquals(12L * (1 << 20) + (1 << 19), RateText.parse("12.5M"));
    assertEquals(1L << 30, RateText.parse("1G"));
    assertEquals(4096, RateText.parse("4096"));
  }

  @Test
  void parse_byteSuffixesAsByteSizeTakesThem() {
    assertEquals(500L << 10, RateText.parse("500KB"));
    assertEquals(2L << 20, RateText.parse("2MiB/s"));
    assertEquals(100, RateText.parse("100B"));
  }

  @Test
  void parse_bitsPerSecondInDecimalUnits() {
    assertEquals(12_500_000, RateText.parse("100mbit"));
    assertEquals(125_000_000, RateText.parse("1gbit"));
    assertEquals(100_000, RateText.parse("800kbit"));
    assertEquals(187_500, RateText.parse("1.5mbit"));
    assertEquals(100, RateText.parse("800bit"));
  }

  @Test
  void parse_caseSpacesAndPerSecondSuffixIgnored() {
    assertEquals(12_500_000, RateText.parse(" 100 Mbit/s "));
    assertEquals(125_000_000, RateText.parse("1GBIT/S"));
    assertEquals(500L << 10, RateText.parse("500k/s"));
    assertEquals(500L << 10, RateText.parse("500K /s"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/s", "fast", "10X", "100mbps", "1.5.5M", "M", "10 M extra", "mbit", "5 per s"})
  void parse_badInput_messageQuotesIt(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RateText.parse(text));
    assertTrue(e.getMessage().startsWith("not a rate: '" + text + "'"), e.getMessage());
  }

  @Test
  void parse_negative() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RateText.parse("-5M"));
    assertEquals("a rate cannot be negative: '-5M'", e.getMessage());
  }

  @Test
  void parse_tooLarge() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RateText.parse("99999999999T"));
    assertEquals("rate too large: '99999999999T'", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RateText.parse("999999999999999999999999999999"));
  }

  @Test
  void parse_belowOneBytePerSecondIsNotMistakenForUnlimited() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RateText.parse("4bit"));
    assertTrue(e.getMessage().contains("below 1 byte per second: '4bit'"), e.getMessage());
  }

  @Test
  void format_unlimitedAndBinaryUnits() {
    assertEquals("unlimited", RateText.format(0));
    assertEquals("12.5 MiB/s", RateText.format(RateText.parse("12.5M")));
    assertEquals("512 B/s", RateText.format(512));
  }
}
