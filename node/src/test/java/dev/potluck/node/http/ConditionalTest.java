package dev.potluck.node.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConditionalTest {

  private static final String ETAG = "\"abc123\"";
  private static final String LAST_MODIFIED = "Tue, 03 Jun 2025 11:05:30 GMT";

  @Test
  void notModified_etagMatches() {
    assertTrue(Conditional.notModified("\"abc123\"", null, ETAG, null));
  }

  @Test
  void notModified_weakComparison() {
    assertTrue(Conditional.notModified("W/\"abc123\"", null, ETAG, null));
    assertTrue(Conditional.notModified("\"abc123\"", null, "W/\"abc123\"", null));
  }

  @Test
  void notModified_anyInList() {
    assertTrue(Conditional.notModified("\"x\", \"y\",\"abc123\"", null, ETAG, null));
    assertFalse(Conditional.notModified("\"x\", \"y\"", null, ETAG, null));
  }

  @Test
  void notModified_star() {
    assertTrue(Conditional.notModified("*", null, ETAG, null));
  }

  @Test
  void notModified_etagMismatch() {
    assertFalse(Conditional.notModified("\"other\"", null, ETAG, null));
    assertFalse(Conditional.notModified("abc123", null, ETAG, null));
  }

  @Test
  void notModified_noEtagNeverMatches() {
    assertFalse(Conditional.notModified("\"abc123\"", null, null, LAST_MODIFIED));
  }

  @Test
  void notModified_ifNoneMatchWinsOverIfModifiedSince() {
    String later = "Wed, 04 Jun 2025 11:05:30 GMT";
    String earlier = "Mon, 02 Jun 2025 11:05:30 GMT";

    assertFalse(Conditional.notModified("\"other\"", later, ETAG, LAST_MODIFIED));
    assertTrue(Conditional.notModified(ETAG, earlier, ETAG, LAST_MODIFIED));
  }

  @Test
  void notModified_ifModifiedSinceEqual() {
    assertTrue(Conditional.notModified(null, LAST_MODIFIED, ETAG, LAST_MODIFIED));
  }

  @Test
  void notModified_ifModifiedSinceLater() {
    assertTrue(Conditional.notModified(null, "Tue, 03 Jun 2025 11:05:31 GMT", null, LAST_MODIFIED));
    assertTrue(Conditional.notModified(null, "Sat, 1 Jan 2033 00:00:00 GMT", null, LAST_MODIFIED));
  }

  @Test
  void notModified_ifModifiedSinceEarlier() {
    assertFalse(Conditional.notModified(null, "Tue, 03 Jun 2025 11:05:29 GMT", null, LAST_MODIFIED));
  }

  @Test
  void notModified_unparseableDates() {
    assertFalse(Conditional.notModified(null, "yesterday", null, LAST_MODIFIED));
    assertFalse(Conditional.notModified(null, LAST_MODIFIED, null, "not a date"));
    assertFalse(Conditional.notModified(null, "", null, LAST_MODIFIED));
  }

  @Test
  void notModified_withoutConditions() {
    assertFalse(Conditional.notModified(null, null, ETAG, LAST_MODIFIED));
    assertFalse(Conditional.notModified(null, LAST_MODIFIED, ETAG, null));
  }
}
