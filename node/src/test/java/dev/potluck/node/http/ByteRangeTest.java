package dev.potluck.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.potluck.node.http.ByteRange.Outcome;
import dev.potluck.node.http.ByteRange.Part;
import dev.potluck.node.http.ByteRange.Unsatisfiable;
import dev.potluck.node.http.ByteRange.Whole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangeTest {

  private static final long LENGTH = 1000;

  @Test
  void resolve_firstAndLast() {
    assertEquals(part(0, 100), ByteRange.resolve("bytes=0-99", LENGTH));
  }

  @Test
  void resolve_singleByte() {
    assertEquals(part(0, 1), ByteRange.resolve("bytes=0-0", LENGTH));
    assertEquals(part(999, 1000), ByteRange.resolve("bytes=999-999", LENGTH));
  }

  @Test
  void resolve_openEnded() {
    assertEquals(part(100, 1000), ByteRange.resolve("bytes=100-", LENGTH));
  }

  @Test
  void resolve_suffix() {
    assertEquals(part(900, 1000), ByteRange.resolve("bytes=-100", LENGTH));
  }

  @Test
  void resolve_suffixLargerThanBodyIsWholeBodyAsPart() {
    assertEquals(part(0, 1000), ByteRange.resolve("bytes=-5000", LENGTH));
  }

  @Test
  void resolve_lastBeyondEndClamps() {
    assertEquals(part(900, 1000), ByteRange.resolve("bytes=900-5000", LENGTH));
  }

  @Test
  void resolve_unitAndSpacesAreLenient() {
    assertEquals(part(0, 100), ByteRange.resolve("Bytes= 0 - 99 ", LENGTH));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=1000-", "bytes=1000-1200", "bytes=5000-6000", "bytes=-0"})
  void resolve_unsatisfiable(String header) {
    assertEquals(new Unsatisfiable(), ByteRange.resolve(header, LENGTH));
  }

  @Test
  void resolve_anyRangeOfAnEmptyBodyIsUnsatisfiable() {
    assertEquals(new Unsatisfiable(), ByteRange.resolve("bytes=0-", 0));
    assertEquals(new Unsatisfiable(), ByteRange.resolve("bytes=-10", 0));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "bytes=0-9,20-29",
      "items=0-99",
      "0-99",
      "bytes=",
      "bytes=-",
      "bytes=50",
      "bytes=abc-def",
      "bytes=0x10-20",
      "bytes=+1-20",
      "bytes=99-0",
      "bytes=--5",
      "bytes=123456789012345678901234567890-",
      "bytes=0-123456789012345678901234567890",
      "bytes=-123456789012345678901234567890"})
  void resolve_ignoredHeaderMeansWholeBody(String header) {
    assertEquals(new Whole(), ByteRange.resolve(header, LENGTH));
  }

  @Test
  void resolve_noHeaderMeansWholeBody() {
    assertEquals(new Whole(), ByteRange.resolve(null, LENGTH));
  }

  @Test
  void contentRange_inclusiveLastByteAndTotal() {
    ByteRange range = new ByteRange(0, 100);
    assertEquals("bytes 0-99/1000", range.contentRange(1000));
    assertEquals(100, range.length());
    assertEquals("bytes 900-999/1000", new ByteRange(900, 1000).contentRange(1000));
  }

  private static Outcome part(long start, long end) {
    return new Part(new ByteRange(start, end));
  }
}
