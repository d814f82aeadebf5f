package dev.potluck.protocol.codec;

import static dev.potluck.protocol.codec.Frames.hex;
import static dev.potluck.protocol.codec.Frames.refusal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.Message.Abort;
import dev.potluck.protocol.Message.Drop;
import dev.potluck.protocol.Message.FetchFrom;
import dev.potluck.protocol.Message.Grant;
import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.Message.StreamFrom;
import dev.potluck.protocol.Message.Want;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class MessageCodecTest {

  private static final String KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private static final String ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  static Stream<Message> samples() {
    return Samples.all().stream();
  }

  // ---- round trips ----

  @ParameterizedTest
  @MethodSource("samples")
  void roundTrip_givesEqualMessageAndSameBytes(Message message) {
    byte[] frame = MessageCodec.encode(message);
    Message decoded = MessageCodec.decode(frame);
    assertEquals(message, decoded);
    assertArrayEquals(frame, MessageCodec.encode(decoded));
  }

  @Test
  void roundTrip_randomMessages() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 5_000; i++) {
      Message message = Samples.random(random);
      assertEquals(message, MessageCodec.decode(MessageCodec.encode(message)), () -> "case " + message);
    }
  }

  static Stream<Arguments> layouts() {
    List<Message> every = Samples.everyType();
    String wideUrl = "http://h/" + "€".repeat(CanonicalUrl.MAX_LENGTH - 9);
    return Stream.of(
        Arguments.of(every.get(0), 1, 46 + Samples.URL.length()),
        Arguments.of(every.get(1), 2, 52),
        Arguments.of(every.get(2), 3, 45 + 3 * 16),
        Arguments.of(every.get(3), 4, 85 + 2 * 16),
        Arguments.of(every.get(4), 5, 76),
        Arguments.of(every.get(5), 6, 36),
        Arguments.of(every.get(6), 7, 44),
        Arguments.of(every.get(7), 8, 76),
        Arguments.of(every.get(8), 9, 38 + "upstream answered 503".length()),
        Arguments.of(every.get(9), 10, 34 + "0.1.0".length()),
        Arguments.of(every.get(10), 11, 46 + Samples.URL.length()),
        Arguments.of(every.get(11), 12, 76),
        Arguments.of(every.get(12), 13, 30 + (59 + 16 + "hello_2.10-3_amd64.deb".length())
            + (59 + "Packages.xz".length()) + 32),
        Arguments.of(every.get(13), 14, 46 + Samples.URL.length()),
        Arguments.of(new StreamFrom(1, Samples.KEY, Samples.nodes(16)), 3, 45 + 16 * 16),
        Arguments.of(new Want(1, Samples.KEY, wideUrl), 1, 46 + 9 + 3 * (CanonicalUrl.MAX_LENGTH - 9)));
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void encode_matchesDocumentedHeaderTagAndSize(Message message, int tag, int size) {
    byte[] frame = MessageCodec.encode(message);
    assertArrayEquals(new byte[] {0x50, 0x4C, 0x01, (byte) tag}, Arrays.copyOf(frame, 4));
    assertEquals(size, frame.length);
  }

  // ---- golden bytes: computed by hand from the format in MessageCodec's javadoc ----

  @Test
  void golden_drop() {
    assertGolden(new Drop(new ObjectKey(KEY)),
        "50 4c 01 06"
            + KEY);
  }

  @Test
  void golden_take() {
    assertGolden(new Message.Take(7, new ObjectKey(KEY), "http://h/a"),
        "50 4c 01 0e"
            + "00 00 00 00 00 00 00 07"
            + KEY
            + "00 0a 68 74 74 70 3a 2f 2f 68 2f 61");
  }

  @Test
  void golden_renewed() {
    assertGolden(new Message.Renewed("http://h/a", new Sha256(KEY)),
        "50 4c 01 0f"
            + "00 0a 68 74 74 70 3a 2f 2f 68 2f 61"
            + KEY);
  }

  @Test
  void golden_grant() {
    assertGolden(new Grant(0x0102030405060708L, new ObjectKey(KEY), 1024),
        "50 4c 01 02"
            + "01 02 03 04 05 06 07 08"
            + KEY
            + "00 00 00 00 00 00 04 00");
  }

  @Test
  void golden_streamFromWithNegativeRequestId() {
    assertGolden(new StreamFrom(-1, new ObjectKey(KEY), List.of(Samples.node(1), Samples.node(0xab))),
        "50 4c 01 03"
            + "ff ff ff ff ff ff ff ff"
            + KEY
            + "02"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ab");
  }

  @Test
  void golden_fetchFrom() {
    assertGolden(new FetchFrom(5, new ObjectKey(KEY), List.of(Samples.node(2)), 255, new Sha256(ABC_SHA256)),
        "50 4c 01 04"
            + "00 00 00 00 00 00 00 05"
            + KEY
            + "01"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02"
            + "00 00 00 00 00 00 00 ff"
            + ABC_SHA256);
  }

  @Test
  void golden_abortWithNonAsciiReason() {
    // "é!" is U+00E9 U+0021: UTF-8 c3 a9 21, three bytes for two characters.
    assertGolden(new Abort(new ObjectKey(KEY), "é!"),
        "50 4c 01 09"
            + KEY
            + "00 03 c3 a9 21");
  }

  @Test
  void golden_load() {
    assertGolden(new Load(3, 1_000_000, 2, 1L << 32, 7879, "0.1"),
        "50 4c 01 0a"
            + "00 00 00 03"
            + "00 00 00 00 00 0f 42 40"
            + "00 00 00 02"
            + "00 00 00 01 00 00 00 00"
            + "00 00 1e c7"
            + "00 03 30 2e 31");
  }

  @Test
  void golden_activity() {
    assertGolden(new Message.Activity(5, 256, 1, List.of(
            new Message.Activity.Stream(new ObjectKey(KEY), "a", new dev.potluck.protocol.NodeId("11".repeat(16)), 2, -1, 3)),
            List.of(new ObjectKey(KEY))),
        "50 4c 01 0d"
            + "00 00 00 00 00 00 00 05"
            + "00 00 00 00 00 00 01 00"
            + "00 00 00 00 00 00 00 01"
            + "01" + KEY + "00 01 61" + "01" + "11".repeat(16)
            + "00 00 00 00 00 00 00 02"
            + "ff ff ff ff ff ff ff ff"
            + "00 00 00 00 00 00 00 03"
            + "01" + KEY);
  }

  @Test
  void decode_activityWithBadSourceFlag() {
    byte[] frame = Frames.header(13).i64(0).i64(0).i64(0).u8(1).bytes(KEY).string("a".getBytes(StandardCharsets.UTF_8)).u8(2).build();
    assertEquals("Activity.streams[0].source flag must be 0 or 1, was 2", refusal(frame));
  }

  @Test
  void decode_activityWithTooManyStreams() {
    byte[] frame = Frames.header(13).i64(0).i64(0).i64(0).u8(17).build();
    assertEquals("list of 17 streams exceeds 16 in Activity.streams", refusal(frame));
  }

  private static void assertGolden(Message message, String expectedHex) {
    byte[] expected = hex(expectedHex);
    assertEquals(hexOf(expected), hexOf(MessageCodec.encode(message)));
    assertEquals(message, MessageCodec.decode(expected));
  }

  private static String hexOf(byte[] bytes) {
    return java.util.HexFormat.ofDelimiter(" ").formatHex(bytes);
  }

  // ---- the offset/length overload ----

  @Test
  void decode_readsOnlyTheGivenRange() {
    Message message = new Load(1, 2, 3, 4, 5, "v");
    byte[] frame = MessageCodec.encode(message);
    byte[] padded = new byte[frame.length + 6];
    Arrays.fill(padded, (byte) 0x77);
    System.arraycopy(frame, 0, padded, 3, frame.length);

    assertEquals(message, MessageCodec.decode(padded, 3, frame.length));
    MalformedMessageException longer = assertThrows(MalformedMessageException.class,
        () -> MessageCodec.decode(padded, 3, frame.length + 1));
    assertEquals("trailing 1 bytes after Load", longer.getMessage());
    MalformedMessageException shorter = assertThrows(MalformedMessageException.class,
        () -> MessageCodec.decode(padded, 3, frame.length - 1));
    assertTrue(shorter.getMessage().startsWith("truncated frame: Load.version"), shorter.getMessage());
  }

  @Test
  void decode_badRangeOrNullIsTheCallersBug() {
    byte[] frame = MessageCodec.encode(new Drop(Samples.KEY));
    assertThrows(IndexOutOfBoundsException.class, () -> MessageCodec.decode(frame, 1, frame.length));
    assertThrows(IndexOutOfBoundsException.class, () -> MessageCodec.decode(frame, -1, 4));
    assertThrows(NullPointerException.class, () -> MessageCodec.decode(null));
    assertThrows(NullPointerException.class, () -> MessageCodec.encode(null));
  }

  // ---- header ----

  @Test
  void decode_emptyFrame() {
    assertEquals("truncated frame: header needs 4 bytes, 0 left", refusal(new byte[0]));
  }

  @ParameterizedTest
  @ValueSource(strings = {"50", "50 4c", "50 4c 01"})
  void decode_partialHeader(String prefix) {
    byte[] frame = hex(prefix);
    assertEquals("truncated frame: header needs 4 bytes, " + frame.length + " left", refusal(frame));
  }

  @ParameterizedTest
  @ValueSource(strings = {"47", "47 45", "00 4c 01 06", "50 4d 01 06", "4c 50 01 06",
      "47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a"})
  void decode_badMagic(String start) {
    String reason = refusal(hex(start));
    assertTrue(reason.startsWith("bad magic "), reason);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2, 9, 255})
  void decode_unsupportedVersion(int version) {
    byte[] frame = Frames.empty().u8(0x50).u8(0x4C).u8(version).u8(6).bytes(KEY).build();
    assertEquals("unsupported format version " + version + " (this node speaks 1)", refusal(frame));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 16, 77, 255})
  void decode_unknownType(int tag) {
    byte[] frame = Frames.header(tag).bytes(KEY).build();
    assertEquals("unknown message type " + tag, refusal(frame));
  }

  // ---- truncation, trailing bytes, size ----

  @ParameterizedTest
  @MethodSource("samples")
  void decode_everyTruncationIsRefused(Message message) {
    byte[] frame = MessageCodec.encode(message);
    for (int length = 0; length < frame.length; length++) {
      byte[] prefix = Arrays.copyOf(frame, length);
      String reason = refusal(prefix);
      assertTrue(reason.startsWith("truncated frame: "), length + " bytes: " + reason);
    }
  }

  @Test
  void decode_truncationNamesFieldAndCounts() {
    byte[] frame = Frames.header(1).i64(9).bytes(KEY).u16(300).bytes(new byte[12]).build();
    assertEquals("truncated frame: Want.url needs 300 bytes, 12 left", refusal(frame));
  }

  @Test
  void decode_truncatedListElementIsNamed() {
    byte[] frame = Frames.header(3).i64(9).bytes(KEY).u8(2).bytes(new byte[16 + 5]).build();
    assertEquals("truncated frame: StreamFrom.sources[1] needs 16 bytes, 5 left", refusal(frame));
  }

  @ParameterizedTest
  @MethodSource("samples")
  void decode_trailingByteIsRefused(Message message) {
    byte[] frame = MessageCodec.encode(message);
    String reason = refusal(Arrays.copyOf(frame, frame.length + 1));
    assertEquals("trailing 1 bytes after " + message.getClass().getSimpleName(), reason);
  }

  @Test
  void decode_trailingBytesAreCounted() {
    byte[] load = MessageCodec.encode(new Load(1, 2, 3, 4, 5, "v"));
    byte[] frame = Frames.empty().bytes(load).bytes("01 02 03 04 05").build();
    assertEquals("trailing 5 bytes after Load", refusal(frame));
  }

  @Test
  void decode_oversizedFrameIsRefusedUnread() {
    byte[] frame = new byte[MessageCodec.MAX_FRAME_BYTES + 1];
    System.arraycopy(MessageCodec.encode(new Drop(Samples.KEY)), 0, frame, 0, 36);
    assertEquals("frame of 65537 bytes exceeds the limit of 65536 bytes", refusal(frame));
  }

  @Test
  void decode_frameAtTheSizeLimitIsParsed() {
    byte[] frame = new byte[MessageCodec.MAX_FRAME_BYTES];
    System.arraycopy(MessageCodec.encode(new Drop(Samples.KEY)), 0, frame, 0, 36);
    assertEquals("trailing " + (MessageCodec.MAX_FRAME_BYTES - 36) + " bytes after Drop", refusal(frame));
  }

  // ---- lists ----

  @Test
  void decode_countAboveLimitIsRefusedBeforeReading() {
    byte[] frame = Frames.header(3).i64(9).bytes(KEY).u8(200).build();
    assertEquals("list of 200 sources exceeds 16 in StreamFrom.sources", refusal(frame));
  }

  @Test
  void decode_holderCountJustAboveLimit() {
    byte[] frame = Frames.header(4).i64(9).bytes(KEY).u8(17).bytes(new byte[17 * 16]).i64(1).bytes(ABC_SHA256).build();
    assertEquals("list of 17 holders exceeds 16 in FetchFrom.holders", refusal(frame));
  }

  // ---- strings ----

  @ParameterizedTest
  @ValueSource(strings = {
      "80", // a continuation byte with no lead
      "c0 af", // overlong '/'
      "e0 80 af", // overlong '/', three bytes
      "ed a0 80", // a UTF-16 surrogate encoded as UTF-8
      "e2 82", // a sequence cut short by the length prefix
      "f4 90 80 80", // above U+10FFFF
      "ff",
      "41 42 fe 43"})
  void decode_invalidUtf8IsRefused(String utf8) {
    byte[] frame = Frames.header(9).bytes(KEY).string(hex(utf8)).build();
    assertEquals("invalid UTF-8 in Abort.reason", refusal(frame));
  }

  @Test
  void decode_stringLengthBeyondFrame() {
    byte[] frame = Frames.header(10).i32(0).i64(0).i32(0).i64(0).i32(80).u16(0xFFFF).bytes("30 2e 31").build();
    assertEquals("truncated frame: Load.version needs 65535 bytes, 3 left", refusal(frame));
  }

  // ---- field values the records refuse ----

  static Stream<Arguments> invalidValues() {
    byte[] reason513 = "r".repeat(Abort.MAX_REASON_LENGTH + 1).getBytes(StandardCharsets.US_ASCII);
    byte[] url4097 = ("http://h/" + "a".repeat(CanonicalUrl.MAX_LENGTH - 8)).getBytes(StandardCharsets.US_ASCII);
    byte[] node = new byte[16];
    return Stream.of(
        Arguments.of("Have.size must be >= 0, was -1",
            Frames.header(5).bytes(KEY).i64(-1).bytes(ABC_SHA256).build()),
        Arguments.of("Done.size must be >= 0, was " + Long.MIN_VALUE,
            Frames.header(8).bytes(KEY).i64(Long.MIN_VALUE).bytes(ABC_SHA256).build()),
        Arguments.of("FetchFrom.size must be >= 0, was -5",
            Frames.header(4).i64(1).bytes(KEY).u8(1).bytes(node).i64(-5).bytes(ABC_SHA256).build()),
        Arguments.of("Grant.resumeFrom must be >= 0, was -1",
            Frames.header(2).i64(1).bytes(KEY).i64(-1).build()),
        Arguments.of("Progress.bytes must be >= 0, was -1",
            Frames.header(7).bytes(KEY).i64(-1).build()),
        Arguments.of("Load.activeUploads must be >= 0, was -1",
            Frames.header(10).i32(-1).i64(0).i32(0).i64(0).i32(80).string(new byte[0]).build()),
        Arguments.of("Load.peerPort must be 1 to 65535, was 0",
            Frames.header(10).i32(0).i64(0).i32(0).i64(0).i32(0).string(new byte[0]).build()),
        Arguments.of("Load.peerPort must be 1 to 65535, was 65536",
            Frames.header(10).i32(0).i64(0).i32(0).i64(0).i32(65_536).string(new byte[0]).build()),
        Arguments.of("Load.version is 65 characters long; the limit is 64",
            Frames.header(10).i32(0).i64(0).i32(0).i64(0).i32(80).string(new byte[65]).build()),
        Arguments.of("Abort.reason is 513 characters long; the limit is 512",
            Frames.header(9).bytes(KEY).string(reason513).build()),
        Arguments.of("Want.url is empty",
            Frames.header(1).i64(1).bytes(KEY).string(new byte[0]).build()),
        Arguments.of("Want.url is 4097 characters long; the limit is 4096",
            Frames.header(1).i64(1).bytes(KEY).string(url4097).build()),
        Arguments.of("StreamFrom.sources is empty; at least one node is needed",
            Frames.header(3).i64(1).bytes(KEY).u8(0).build()),
        Arguments.of("FetchFrom.holders names " + new NodeId("0".repeat(32)) + " twice",
            Frames.header(4).i64(1).bytes(KEY).u8(2).bytes(node).bytes(node).i64(1).bytes(ABC_SHA256).build()));
  }

  @ParameterizedTest
  @MethodSource("invalidValues")
  void decode_invalidValueIsMalformedNotIllegalArgument(String problem, byte[] frame) {
    MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame));
    assertEquals("invalid value: " + problem, e.getMessage());
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
  }
}
