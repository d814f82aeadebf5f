package dev.potluck.node.cache;

/**
 * A {@code Content-Range: bytes start-end/total} header of a 206 answer ({@code total} -1 when the
 * sender wrote {@code *}).
 */
record ContentRange(long start, long end, long total) {

  /** The header parsed, or null when it is absent or malformed (the answer is then not trusted). */
  static ContentRange parse(String header) {
    if (header == null) {
      return null;
    }
    String text = header.trim();
    if (!text.regionMatches(true, 0, "bytes ", 0, 6)) {
      return null;
    }
    text = text.substring(6).trim();
    int dash = text.indexOf('-');
    int slash = text.indexOf('/');
    if (dash <= 0 || slash < dash) {
      return null;
    }
    try {
      long start = Long.parseLong(text.substring(0, dash));
      long end = Long.parseLong(text.substring(dash + 1, slash));
      String totalText = text.substring(slash + 1);
      long total = totalText.equals("*") ? -1 : Long.parseLong(totalText);
      if (start < 0 || end < start || (total >= 0 && end >= total)) {
        return null;
      }
      return new ContentRange(start, end, total);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
