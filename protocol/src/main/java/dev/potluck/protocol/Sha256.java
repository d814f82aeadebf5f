package dev.potluck.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** A SHA-256 digest, held as 64 lower-case hex digits. */
public record Sha256(String hex) {

  public static final int HEX_LENGTH = 64;

  public Sha256 {
    if (!Hex.isLowerHex(hex, HEX_LENGTH)) {
      throw new IllegalArgumentException("not a SHA-256 digest (64 lower-case hex digits): '" + shorten(hex) + "'");
    }
  }

  /** Parses a digest in either case, as users and other tools write them. */
  public static Sha256 parse(String text) {
    return new Sha256(text == null ? null : text.toLowerCase(java.util.Locale.ROOT));
  }

  public static Sha256 of(byte[] bytes) {
    MessageDigest digest = newDigest();
    digest.update(bytes);
    return of(digest);
  }

  public static Sha256 of(String text) {
    return of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Completes {@code digest} (which must be SHA-256) and wraps its value. */
  public static Sha256 of(MessageDigest digest) {
    return new Sha256(Hex.encode(digest.digest()));
  }

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return hex;
  }

  private static String shorten(String s) {
    return s == null ? "null" : s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
