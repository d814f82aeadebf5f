package dev.potluck.node.trust.nix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NixBase32Test {

  private static final HexFormat HEX = HexFormat.of();

  @TempDir Path dir;

  /** Vectors printed by nix 2.8.0: {@code nix hash to-base32 --type sha256 HEX} (and {@code nix-hash --to-base32}). */
  @ParameterizedTest
  @CsvSource({
      // SHA-256 of the empty string, and of "abc"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855, 0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad, 1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s",
      "0000000000000000000000000000000000000000000000000000000000000000, 0000000000000000000000000000000000000000000000000000",
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff, 1zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
      "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20, 080z3qfiq6qs34c1f5hm2h9i448h1w70s30b184hh1q60l2060h1",
      // The first byte's low bits are the last character: nix's order is the reverse of RFC 4648's.
      "8000000000000000000000000000000000000000000000000000000000000001, 0080000000000000000000000000000000000000000000000040",
      // A nar file nix wrote (FileHash of a narinfo from 'nix copy', and sha256sum of the file)
      "60b9b95f934e0fca8e2ad3fc82e30a4cf30aa0c277ce74131d85f34e16aed5cb, 1jymmqb4xww53l9p9kkpqah0mwsc1biq5z6k5a7cl3sfjdgvkfb0"})
  void encodeAndDecode_matchNix(String hex, String base32) {
    assertEquals(base32, NixBase32.encode(HEX.parseHex(hex)));
    assertArrayEquals(HEX.parseHex(hex), NixBase32.decode(base32, 32));
  }

  @Test
  void length_asNixCountsIt() {
    assertEquals(52, NixBase32.length(32));
    assertEquals(32, NixBase32.length(20));
    assertEquals(103, NixBase32.length(64));
  }

  @Test
  void randomDigests_matchTheRealNix() throws IOException {
    Nix nix = Nix.start(dir);
    Random random = new Random(42);
    List<String> hex = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      byte[] digest = new byte[32];
      random.nextBytes(digest);
      hex.add(HEX.formatHex(digest));
    }

    List<String> expected = nix.toBase32(hex);

    assertEquals(hex.size(), expected.size(), expected.toString());
    for (int i = 0; i < hex.size(); i++) {
      assertEquals(expected.get(i), NixBase32.encode(HEX.parseHex(hex.get(i))), nix.version() + " on " + hex.get(i));
      assertArrayEquals(HEX.parseHex(hex.get(i)), NixBase32.decode(expected.get(i), 32));
    }
  }

  @Test
  void roundTrip_otherLengths() {
    Random random = new Random(1);
    for (int bytes = 1; bytes <= 64; bytes++) {
      byte[] value = new byte[bytes];
      random.nextBytes(value);
      assertArrayEquals(value, NixBase32.decode(NixBase32.encode(value), bytes), bytes + " bytes");
    }
  }

  @ParameterizedTest
  @CsvSource({
      "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7, has 52 characters, not 51",
      "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7e, 'e' is not a nix base-32 digit",
      "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7o, 'o' is not a nix base-32 digit",
      "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7U, 'U' is not a nix base-32 digit",
      "2000000000000000000000000000000000000000000000000000, bits beyond its 32 bytes"})
  void decode_refusesWhatNixRefuses(String text, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NixBase32.decode(text, 32));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void nixHash_acceptsEveryFormNixWrites() {
    byte[] digest = HEX.parseHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    String base64 = Base64.getEncoder().encodeToString(digest);

    assertArrayEquals(digest, NixHash.parseSha256("sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"));
    assertArrayEquals(digest, NixHash.parseSha256("sha256:" + HEX.formatHex(digest)));
    assertArrayEquals(digest, NixHash.parseSha256("sha256:" + HEX.formatHex(digest).toUpperCase()));
    assertArrayEquals(digest, NixHash.parseSha256("sha256:" + base64));
    assertArrayEquals(digest, NixHash.parseSha256("sha256-" + base64));
    assertEquals("sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", NixHash.format(digest));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "sha512:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73 | a sha512 hash, not SHA-256",
      "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73        | not a nix hash",
      "sha256:abc                                                  | not 3",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g | bad hex digit",
      "sha256-AAAA                                                 | 32 bytes, not 3"})
  void nixHash_refusesOthers(String text, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NixHash.parseSha256(text));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
