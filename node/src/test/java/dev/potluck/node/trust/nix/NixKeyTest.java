package dev.potluck.node.trust.nix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NixKeyTest {

  @TempDir Path dir;

  @Test
  void parse_cacheNixosOrg() {
    NixKey key = NixKey.CACHE_NIXOS_ORG;

    assertEquals("cache.nixos.org-1", key.name());
    assertEquals(32, key.publicKey().length);
    assertEquals("cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=", key.toString());
    assertEquals(key, NixKey.parse("  cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\n"));
  }

  @Test
  void parse_aKeyTheRealNixMade() throws IOException {
    Nix.KeyPair pair = Nix.start(dir).generateKey("office-cache-1");

    NixKey key = NixKey.parse(pair.publicKey());

    assertEquals("office-cache-1", key.name());
    assertEquals(pair.publicKey(), key.toString());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "cache.nixos.org-1                                       | expected NAME:BASE64",
      ":6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=          | expected NAME:BASE64",
      "cache.nixos.org-1:                                      | expected NAME:BASE64",
      "cache.nixos.org-1:not*base64                            | not base64",
      "cache.nixos.org-1:AAAA                                  | the key is 3 bytes, but an Ed25519 public key is 32",
      "my cache:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=   | without ':' or spaces"})
  void parse_malformedSaysWhatAKeyLooksLike(String text, String why) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NixKey.parse(text));

    assertTrue(e.getMessage().startsWith("not a nix public key '"), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
    assertTrue(e.getMessage().endsWith("(like cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=)"),
        e.getMessage());
  }

  @Test
  void parse_secretKey_isRefusedWithoutRepeatingIt() throws IOException {
    Nix.KeyPair pair = Nix.start(dir).generateKey("office-cache-1");
    String secret = Files.readString(pair.secretFile()).strip();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NixKey.parse(secret));

    assertTrue(e.getMessage().contains("that is a secret key"), e.getMessage());
    assertTrue(e.getMessage().contains("'office-cache-1:...'"), e.getMessage());
    assertFalse(e.getMessage().contains(secret.substring(secret.indexOf(':') + 1)), "the secret is not repeated");
  }
}
