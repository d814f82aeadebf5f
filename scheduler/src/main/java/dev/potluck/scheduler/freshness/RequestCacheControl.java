package dev.potluck.scheduler.freshness;

import java.util.Locale;

/**
 * What a client's {@code Cache-Control} and {@code Pragma} request headers ask of a cache. apt sends
 * {@code Cache-Control: max-age=0} for index files by default, so this is the common case for metadata.
 *
 * @param mustRevalidate the client wants the cached copy confirmed upstream before use
 *     ({@code no-cache}, {@code max-age=0}, {@code Pragma: no-cache})
 * @param maxAgeSeconds the oldest validation the client accepts, or -1 when it sets no limit
 */
public record RequestCacheControl(boolean mustRevalidate, long maxAgeSeconds) {

  public static final RequestCacheControl NONE = new RequestCacheControl(false, -1);
  /** {@code Cache-Control: no-cache}: revalidate, unless that was done within the revalidation interval. */
  public static final RequestCacheControl FORCE = new RequestCacheControl(true, -1);

  /** Parses the two headers; either may be null. Malformed directives are ignored, as RFC 9111 asks. */
  public static RequestCacheControl parse(String cacheControl, String pragma) {
    boolean revalidate = pragma != null && pragma.toLowerCase(Locale.ROOT).contains("no-cache");
    long maxAge = -1;
    if (cacheControl != null) {
      for (String part : cacheControl.split(",")) {
        String directive = part.trim().toLowerCase(Locale.ROOT);
        if (directive.equals("no-cache")) {
          revalidate = true;
        } else if (directive.startsWith("max-age=")) {
          maxAge = parseSeconds(directive.substring("max-age=".length()));
        }
      }
    }
    if (maxAge == 0) {
      revalidate = true;
    }
    return new RequestCacheControl(revalidate, maxAge);
  }

  private static long parseSeconds(String value) {
    String v = value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2
        ? value.substring(1, value.length() - 1) : value;
    if (v.isEmpty() || v.length() > 12 || !v.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Long.parseLong(v);
  }
}
