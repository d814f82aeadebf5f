package dev.potluck.node.http;

/**
 * The one byte range a client asked for, resolved against a body of known length.
 *
 * <p>Parsing follows RFC 9110 §14: {@code bytes=first-last}, {@code bytes=first-} and {@code bytes=-suffix}.
 * A header that is malformed, names another unit, or lists several ranges is ignored (the whole body
 * is sent), which the RFC allows; a well-formed range that starts past the end is unsatisfiable (416).
 *
 * @param start first byte, inclusive
 * @param end last byte, exclusive
 */
public record ByteRange(long start, long end) {

  /** What a Range header means for a body of a given length. */
  public sealed interface Outcome {}

  /** Send the whole body with 200. */
  public record Whole() implements Outcome {}

  /** Send this part with 206. */
  public record Part(ByteRange range) implements Outcome {}

  /** Answer 416 with {@code Content-Range: bytes *}{@code /length}. */
  public record Unsatisfiable() implements Outcome {}

  private static final Whole WHOLE = new Whole();
  private static final int MAX_NUMBER_DIGITS = 18;

  public long length() {
    return end - start;
  }

  /** The {@code Content-Range} value for this part of a body of {@code total} bytes. */
  public String contentRange(long total) {
    return "bytes " + start + "-" + (end - 1) + "/" + total;
  }

  public static Outcome resolve(String header, long bodyLength) {
    if (header == null) {
      return WHOLE;
    }
    String h = header.trim();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
      return WHOLE;
    }
    String spec = h.substring(6).trim();
    if (spec.indexOf(',') >= 0) {
      return WHOLE;
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return WHOLE;
    }
    String first = spec.substring(0, dash).trim();
    String last = spec.substring(dash + 1).trim();
    if (first.isEmpty()) {
      long suffix = number(last);
      if (suffix < 0) {
        return WHOLE;
      }
      if (suffix == 0 || bodyLength == 0) {
        return new Unsatisfiable();
      }
      return new Part(new ByteRange(Math.max(0, bodyLength - suffix), bodyLength));
    }
    long from = number(first);
    if (from < 0) {
      return WHOLE;
    }
    long to;
    if (last.isEmpty()) {
      to = bodyLength - 1;
    } else {
      to = number(last);
      if (to < 0 || to < from) {
        return WHOLE;
      }
    }
    if (from >= bodyLength) {
      return new Unsatisfiable();
    }
    return new Part(new ByteRange(from, Math.min(to, bodyLength - 1) + 1));
  }

  /** A non-negative decimal, or -1 when {@code s} is not one (or too long to be a real offset). */
  private static long number(String s) {
    if (s.isEmpty() || s.length() > MAX_NUMBER_DIGITS) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return -1;
      }
    }
    return Long.parseLong(s);
  }
}
