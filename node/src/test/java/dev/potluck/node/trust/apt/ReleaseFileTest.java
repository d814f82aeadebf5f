package dev.potluck.node.trust.apt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.Sha256;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleaseFileTest {

  private static final String HEX_A = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
  private static final String HEX_B = "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9";

  @Test
  void parse_debianStyleRelease_readsEveryField() throws Exception {
    ReleaseFile release = ReleaseFile.parse(OpenPgpVerifierTest.RELEASE);

    assertEquals("Potluck Test", release.origin());
    assertEquals("stable", release.suite());
    assertEquals("bookworm", release.codename());
    assertEquals(Instant.parse("2024-11-09T09:56:04Z"), release.date());
    assertEquals(Instant.parse("2024-11-16T09:56:04Z"), release.validUntil());
    assertTrue(release.acquireByHash());
    assertEquals(List.of("main/binary-amd64/Packages", "main/binary-amd64/Packages.xz"), List.copyOf(release.indexes().keySet()));
    assertEquals(new IndexFile("main/binary-amd64/Packages.xz", new Sha256(HEX_B), 456),
        release.index("main/binary-amd64/Packages.xz").orElseThrow());
  }

  @Test
  void parse_otherHashSectionsAndCrlf_areIgnored() throws Exception {
    String text = "Origin: Debian\r\nMD5Sum:\r\n d41d8cd98f00b204e9800998ecf8427e 0 main/Contents-all\r\n"
        + "SHA256:\r\n " + HEX_A.toUpperCase() + "   77 main/i18n/Translation-en.bz2\r\n"
        + "SHA512:\r\n " + HEX_A + HEX_A + " 77 main/i18n/Translation-en.bz2\r\n";

    ReleaseFile release = ReleaseFile.parse(text);

    assertEquals(1, release.indexes().size());
    assertEquals(new Sha256(HEX_A), release.index("main/i18n/Translation-en.bz2").orElseThrow().sha256());
    assertFalse(release.acquireByHash());
    assertNull(release.validUntil());
    assertNull(release.date());
  }

  @Test
  void isExpired_comparesValidUntilWithNow() throws Exception {
    ReleaseFile release = ReleaseFile.parse(OpenPgpVerifierTest.RELEASE);

    assertFalse(release.isExpired(Instant.parse("2024-11-16T09:56:04Z")));
    assertTrue(release.isExpired(Instant.parse("2024-11-16T09:56:05Z")));
  }

  @Test
  void isExpired_withoutValidUntil_isNever() throws Exception {
    ReleaseFile release = ReleaseFile.parse("Origin: x\nSHA256:\n " + HEX_A + " 1 Packages\n");

    assertFalse(release.isExpired(Instant.MAX));
  }

  @Test
  void parse_numericZoneAndOneDigitDay_areAccepted() throws Exception {
    ReleaseFile release = ReleaseFile.parse(
        "Date: Sat, 9 Nov 2024 09:56:04 +0000\nValid-Until: Sun, 10 Nov 2024 10:00:00 GMT\nSHA256:\n " + HEX_A + " 1 Packages\n");

    assertEquals(Instant.parse("2024-11-09T09:56:04Z"), release.date());
    assertEquals(Instant.parse("2024-11-10T10:00:00Z"), release.validUntil());
  }

  @Test
  void parse_wrongWeekday_isIgnoredAsAptDoes() throws Exception {
    ReleaseFile release = ReleaseFile.parse(
        "Valid-Until: Sat, 16 Nov 2099 09:56:04 UTC\nSHA256:\n " + HEX_A + " 1 Packages\n");

    assertEquals(Instant.parse("2099-11-16T09:56:04Z"), release.validUntil());
  }

  @Test
  void parse_withoutSha256Section_fails() {
    AptFormatException e = assertThrows(AptFormatException.class,
        () -> ReleaseFile.parse("Origin: x\nMD5Sum:\n d41d8cd98f00b204e9800998ecf8427e 0 Packages\n"));

    assertTrue(e.getMessage().contains("no SHA256 section"), e.getMessage());
  }

  @Test
  void parse_badHex_failsNamingTheLine() {
    AptFormatException e = assertThrows(AptFormatException.class,
        () -> ReleaseFile.parse("Origin: x\nSHA256:\n " + HEX_A.substring(1) + "g 1 Packages\n"));

    assertTrue(e.getMessage().startsWith("line 3: bad SHA-256"), e.getMessage());
  }

  @Test
  void parse_badSize_failsNamingTheLine() {
    AptFormatException e = assertThrows(AptFormatException.class,
        () -> ReleaseFile.parse("SHA256:\n " + HEX_A + " 1 Packages\n " + HEX_B + " -5 Packages.gz\n"));

    assertTrue(e.getMessage().startsWith("line 3: bad size '-5'"), e.getMessage());
  }

  @Test
  void parse_shortSha256Line_fails() {
    AptFormatException e = assertThrows(AptFormatException.class, () -> ReleaseFile.parse("SHA256:\n " + HEX_A + " 1\n"));

    assertTrue(e.getMessage().contains("'<sha256> <size> <path>'"), e.getMessage());
  }

  @Test
  void parse_badDate_fails() {
    AptFormatException e = assertThrows(AptFormatException.class,
        () -> ReleaseFile.parse("Valid-Until: next tuesday\nSHA256:\n " + HEX_A + " 1 Packages\n"));

    assertTrue(e.getMessage().contains("Valid-Until is not an RFC 2822 date"), e.getMessage());
  }

  @Test
  void parse_lineWithoutColon_fails() {
    AptFormatException e = assertThrows(AptFormatException.class,
        () -> ReleaseFile.parse("Origin: x\n<html>\nSHA256:\n " + HEX_A + " 1 Packages\n"));

    assertTrue(e.getMessage().startsWith("line 2: expected 'Field: value'"), e.getMessage());
  }

  @Test
  void parse_duplicateField_fails() {
    AptFormatException e = assertThrows(AptFormatException.class,
        () -> ReleaseFile.parse("SHA256:\n " + HEX_A + " 1 Packages\nSHA256:\n " + HEX_B + " 1 Packages\n"));

    assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
  }

  @Test
  void parse_secondParagraph_fails() {
    AptFormatException e = assertThrows(AptFormatException.class,
        () -> ReleaseFile.parse("SHA256:\n " + HEX_A + " 1 Packages\n\nOrigin: smuggled\n"));

    assertTrue(e.getMessage().contains("one paragraph"), e.getMessage());
  }
}
