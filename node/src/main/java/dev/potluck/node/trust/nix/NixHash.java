package dev.potluck.node.trust.nix;

import java.util.Base64;
import java.util.HexFormat;

/**
 * A SHA-256 as nix writes it in a narinfo: {@code sha256:} followed by nix base-32 (what nix writes),
 * hex or base64, or the SRI form {@code sha256-<base64>}. Stateless.
 */
final class NixHash {

  static final int SHA256_BYTES = 32;

  private NixHash() {}

  /**
   * The 32 bytes of {@code text}.
   *
   * @throws IllegalArgumentException naming what is wrong (another algorithm, a bad digit, a bad length)
   */
  static byte[] parseSha256(String text) {
    String value;
    if (text.startsWith("sha256:")) {
      value = text.substring("sha256:".length());
    } else if (text.startsWith("sha256-")) {
      return base64(text.substring("sha256-".length()), text);
    } else {
      int colon = text.indexOf(':');
      throw new IllegalArgumentException(colon > 0
          ? "a " + text.substring(0, colon) + " hash, not SHA-256: '" + shorten(text) + "'"
          : "not a nix hash (sha256:...): '" + shorten(text) + "'");
    }
    if (value.length() == NixBase32.length(SHA256_BYTES)) {
      return NixBase32.decode(value, SHA256_BYTES);
    }
    if (value.length() == SHA256_BYTES * 2) {
      try {
        return HexFormat.of().parseHex(value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad hex digit in '" + shorten(text) + "'");
      }
    }
    if (value.length() == 44) {
      return base64(value, text);
    }
    throw new IllegalArgumentException("a SHA-256 is 52 nix base-32 characters, 64 hex digits or 44 base64"
        + " characters, not " + value.length() + ": '" + shorten(text) + "'");
  }

  /** {@code sha256:<nix base-32>}, as nix writes it and as its signatures cover it. */
  static String format(byte[] sha256) {
    return "sha256:" + NixBase32.encode(sha256);
  }

  private static byte[] base64(String value, String text) {
    byte[] out;
    try {
      out = Base64.getDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad base64 in '" + shorten(text) + "'");
    }
    if (out.length != SHA256_BYTES) {
      throw new IllegalArgumentException("a SHA-256 is 32 bytes, not " + out.length + ": '" + shorten(text) + "'");
    }
    return out;
  }

  private static String shorten(String s) {
    return s.length() <= 100 ? s : s.substring(0, 97) + "...";
  }
}
