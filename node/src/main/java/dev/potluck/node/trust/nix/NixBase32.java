package dev.potluck.node.trust.nix;

/**
 * Nix's own base-32, in which store paths and narinfo hashes are written: the alphabet
 * {@code 0123456789abcdfghijklmnpqrsvwxyz} (no e, o, u, t), and the digits in the reverse order of
 * RFC 4648's: the last character holds the lowest five bits of the first byte. A SHA-256 is 52
 * characters. Stateless.
 */
final class NixBase32 {

  static final String ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";

  private static final byte[] VALUES = new byte[128];

  static {
    java.util.Arrays.fill(VALUES, (byte) -1);
    for (int i = 0; i < ALPHABET.length(); i++) {
      VALUES[ALPHABET.charAt(i)] = (byte) i;
    }
  }

  private NixBase32() {}

  /** How many characters {@code bytes} bytes take: 52 for a SHA-256, 32 for a store path's 20-byte hash. */
  static int length(int bytes) {
    return (bytes * 8 - 1) / 5 + 1;
  }

  static String encode(byte[] bytes) {
    int length = length(bytes.length);
    StringBuilder out = new StringBuilder(length);
    for (int n = length - 1; n >= 0; n--) {
      int bit = n * 5;
      int i = bit / 8;
      int j = bit % 8;
      int c = (bytes[i] & 0xff) >>> j;
      if (i + 1 < bytes.length) {
        c |= (bytes[i + 1] & 0xff) << (8 - j);
      }
      out.append(ALPHABET.charAt(c & 0x1f));
    }
    return out.toString();
  }

  /**
   * The {@code bytes} bytes that {@code text} spells.
   *
   * @throws IllegalArgumentException when it has the wrong length, a character outside the alphabet, or
   *     bits set beyond the last byte (nix refuses those too)
   */
  static byte[] decode(String text, int bytes) {
    if (text.length() != length(bytes)) {
      throw new IllegalArgumentException("a nix base-32 value of " + bytes + " bytes has " + length(bytes)
          + " characters, not " + text.length());
    }
    byte[] out = new byte[bytes];
    for (int n = 0; n < text.length(); n++) {
      char c = text.charAt(text.length() - n - 1);
      int digit = c < 128 ? VALUES[c] : -1;
      if (digit < 0) {
        throw new IllegalArgumentException("'" + c + "' is not a nix base-32 digit (" + ALPHABET + ")");
      }
      int bit = n * 5;
      int i = bit / 8;
      int j = bit % 8;
      out[i] |= (byte) (digit << j);
      int carry = digit >>> (8 - j);
      if (i + 1 < bytes) {
        out[i + 1] |= (byte) carry;
      } else if (carry != 0) {
        throw new IllegalArgumentException("nix base-32 value has bits beyond its " + bytes + " bytes");
      }
    }
    return out;
  }
}
