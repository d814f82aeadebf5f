package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizeTest {

  @Test
  void parse_binaryUnits() {
    assertEquals(10L << 30, ByteSize.parse("10G"));
    assertEquals(512L << 20, ByteSize.parse("512MiB"));
    assertEquals(2L << 10, ByteSize.parse("2k"));
    assertEquals(1L << 40, ByteSize.parse("1TB"));
  }

  @Test
  void parse_fraction() {
    assertEquals(3L << 29, ByteSize.parse("1.5G"));
    assertEquals(3L << 29, ByteSize.parse("1.5GB"));
  }

  @Test
  void parse_plainBytes() {
    assertEquals(4096, ByteSize.parse("4096"));
    assertEquals(4096, ByteSize.parse("4096B"));
  }

  @Test
  void parse_caseAndSpacesIgnored() {
    assertEquals(20L << 30, ByteSize.parse(" 20 g "));
    assertEquals(64L << 20, ByteSize.parse("64Mib"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ten", "10X", "-1", "1.5.5G", "G", "10 GiB extra"})
  void parse_badInput_messageQuotesIt(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
    assertTrue(e.getMessage().contains("not a size: '" + text + "'"), e.getMessage());
  }

  @Test
  void parse_tooLarge() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("99999999999T"));
    assertTrue(e.getMessage().contains("too large"), e.getMessage());
  }

  @Test
  void format_bytesBelowOneKib() {
    assertEquals("0 B", ByteSize.format(0));
    assertEquals("1023 B", ByteSize.format(1023));
  }

  @Test
  void format_binaryUnitsWithOneDecimal() {
    assertEquals("1.0 KiB", ByteSize.format(1024));
    assertEquals("512.0 MiB", ByteSize.format(512L << 20));
    assertEquals("1.5 GiB", ByteSize.format(3L << 29));
    assertEquals("2.0 TiB", ByteSize.format(2L << 40));
  }

  @Test
  void format_largestUnitIsTib() {
    assertEquals("4096.0 TiB", ByteSize.format(1L << 52));
  }
}
