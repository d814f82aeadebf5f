package dev.potluck.node.http;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Whether a client's copy is still current ({@code If-None-Match}, {@code If-Modified-Since}), so it can
 * be answered 304. apt sends {@code If-Modified-Since} for index files it already has.
 */
public final class Conditional {

  private Conditional() {}

  /**
   * @param etag the object's ETag, or null
   * @param lastModified the object's Last-Modified (an HTTP date), or null
   */
  public static boolean notModified(String ifNoneMatch, String ifModifiedSince, String etag, String lastModified) {
    if (ifNoneMatch != null) {
      // RFC 9110 §13.1.2: If-None-Match wins over If-Modified-Since; weak comparison.
      return etag != null && matchesAny(ifNoneMatch, etag);
    }
    if (ifModifiedSince != null && lastModified != null) {
      ZonedDateTime since = httpDate(ifModifiedSince);
      ZonedDateTime modified = httpDate(lastModified);
      return since != null && modified != null && !modified.isAfter(since);
    }
    return false;
  }

  private static boolean matchesAny(String header, String etag) {
    String ours = weakless(etag);
    for (String candidate : header.split(",")) {
      String c = candidate.trim();
      if (c.equals("*") || weakless(c).equals(ours)) {
        return true;
      }
    }
    return false;
  }

  private static String weakless(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }

  private static ZonedDateTime httpDate(String text) {
    try {
      return ZonedDateTime.parse(text.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
