package dev.potluck.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DigestAndKeyTest {

  @Test
  void sha256_ofKnownInput() {
    // FIPS 180-2 test vector.
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.of("abc").hex());
  }

  @Test
  void sha256_parseAcceptsUpperCase() {
    String lower = Sha256.of("abc").hex();
    assertEquals(Sha256.of("abc"), Sha256.parse(lower.toUpperCase()));
  }

  @Test
  void sha256_refusesBadText() {
    assertThrows(IllegalArgumentException.class, () -> Sha256.parse("abc"));
    assertThrows(IllegalArgumentException.class, () -> Sha256.parse(null));
    assertThrows(IllegalArgumentException.class, () -> new Sha256("g".repeat(64)));
  }

  @Test
  void objectKey_refusesPathsAndTraversal() {
    assertThrows(IllegalArgumentException.class, () -> new ObjectKey("../../etc/passwd"));
    assertThrows(IllegalArgumentException.class, () -> new ObjectKey("a/" + "0".repeat(62)));
    assertThrows(IllegalArgumentException.class, () -> new ObjectKey("A".repeat(64)));
    assertEquals("0".repeat(64), new ObjectKey("0".repeat(64)).id());
  }
}
