package dev.potluck.node.trust.nix;

import java.util.Arrays;
import java.util.Base64;

/**
 * A binary cache's public signing key, as nix.conf's {@code trusted-public-keys} and
 * {@code nix key convert-secret-to-public} write it: {@code NAME:BASE64}, where the base64 is a 32-byte
 * Ed25519 public key and the name is the one the cache's narinfo {@code Sig} lines carry.
 *
 * @param name the key's name, such as {@code cache.nixos.org-1}
 * @param publicKey the 32-byte Ed25519 public key
 */
public record NixKey(String name, byte[] publicKey) {

  /** The key of cache.nixos.org, which nix itself trusts by default. */
  public static final NixKey CACHE_NIXOS_ORG = parse("cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=");

  static final int PUBLIC_KEY_BYTES = 32;
  private static final int SECRET_KEY_BYTES = 64;

  public NixKey {
    if (name == null || name.isEmpty() || name.chars().anyMatch(c -> c == ':' || c <= ' ' || c > '~')) {
      throw new IllegalArgumentException("a nix key name is printable ASCII without ':' or spaces, not '" + name + "'");
    }
    if (publicKey == null || publicKey.length != PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("an Ed25519 public key is " + PUBLIC_KEY_BYTES + " bytes, not "
          + (publicKey == null ? "none" : publicKey.length));
    }
    publicKey = publicKey.clone();
  }

  /**
   * Parses {@code NAME:BASE64}.
   *
   * @throws IllegalArgumentException with a message that quotes the text and says what a key looks like
   */
  public static NixKey parse(String text) {
    String key = text == null ? "" : text.strip();
    int colon = key.indexOf(':');
    if (colon <= 0 || colon == key.length() - 1) {
      throw malformed(key, "expected NAME:BASE64");
    }
    String name = key.substring(0, colon);
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(key.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      throw malformed(key, "the part after the name is not base64");
    }
    if (bytes.length == SECRET_KEY_BYTES) {
      // Never repeat a secret into logs: name it only.
      throw malformed(name + ":...", "that is a secret key (" + SECRET_KEY_BYTES + " bytes): give its public key, which"
          + " 'nix key convert-secret-to-public' prints");
    }
    if (bytes.length != PUBLIC_KEY_BYTES) {
      throw malformed(key, "the key is " + bytes.length + " bytes, but an Ed25519 public key is " + PUBLIC_KEY_BYTES);
    }
    try {
      return new NixKey(name, bytes);
    } catch (IllegalArgumentException e) {
      throw malformed(key, e.getMessage());
    }
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The key without copying, for verification inside this package. */
  byte[] rawPublicKey() {
    return publicKey;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NixKey other && name.equals(other.name) && Arrays.equals(publicKey, other.publicKey);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(publicKey);
  }

  /** {@code NAME:BASE64}, as parsed. */
  @Override
  public String toString() {
    return name + ":" + Base64.getEncoder().encodeToString(publicKey);
  }

  private static IllegalArgumentException malformed(String text, String why) {
    String shown = text.length() <= 120 ? text : text.substring(0, 117) + "...";
    return new IllegalArgumentException("not a nix public key '" + shown + "': " + why
        + " (like cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=)");
  }
}
