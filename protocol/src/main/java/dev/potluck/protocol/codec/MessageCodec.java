package dev.potluck.protocol.codec;

import dev.potluck.protocol.Message;
import dev.potluck.protocol.Message.Abort;
import dev.potluck.protocol.Message.Activity;
import dev.potluck.protocol.Message.Done;
import dev.potluck.protocol.Message.Drop;
import dev.potluck.protocol.Message.FetchFrom;
import dev.potluck.protocol.Message.Grant;
import dev.potluck.protocol.Message.Have;
import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.Message.Announce;
import dev.potluck.protocol.Message.Fetching;
import dev.potluck.protocol.Message.Progress;
import dev.potluck.protocol.Message.StreamFrom;
import dev.potluck.protocol.Message.Renewed;
import dev.potluck.protocol.Message.Take;
import dev.potluck.protocol.Message.Want;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The binary form of cluster {@link Message}s, version {@value #FORMAT_VERSION}. One message is one
 * frame; the transport delimits frames.
 *
 * <h2>Frame layout</h2>
 *
 * <pre>
 * offset  size  field
 * 0       1     magic 0x50 ('P')
 * 1       1     magic 0x4C ('L')
 * 2       1     format version, 0x01
 * 3       1     message type tag (table below)
 * 4       ...   the record's fields in declaration order, then nothing: trailing bytes are an error
 * </pre>
 *
 * <p>Field encodings, all big-endian, no padding, no alignment:
 *
 * <pre>
 * long        8 bytes, two's complement
 * int         4 bytes, two's complement
 * ObjectKey   32 raw bytes (the 64 hex digits of the key, as bytes)
 * Sha256      32 raw bytes
 * NodeId      16 raw bytes
 * String      2-byte unsigned length N, then N bytes of UTF-8 (strict: no overlong forms, no
 *             encoded surrogates)
 * List        1-byte unsigned count N, then N elements
 * </pre>
 *
 * <h2>Type tags and layouts</h2>
 *
 * <pre>
 * tag  type        fields after the header                                       frame size
 * 1    Want        requestId long, key 32, url String                            46 + url bytes
 * 2    Grant       requestId long, key 32, resumeFrom long                       52
 * 3    StreamFrom  requestId long, key 32, sources List&lt;NodeId&gt; (1..16)          45 + 16 n
 * 4    FetchFrom   requestId long, key 32, holders List&lt;NodeId&gt; (1..16),
 *                  size long, sha256 32                                          85 + 16 n
 * 5    Have        key 32, size long, sha256 32                                  76
 * 6    Drop        key 32                                                        36
 * 7    Progress    key 32, bytes long                                            44
 * 8    Done        key 32, size long, sha256 32                                  76
 * 9    Abort       key 32, reason String                                         38 + reason bytes
 * 10   Load        activeUploads int, uploadBytesPerSecond long, activeDownloads int,
 *                  storedBytes long, peerPort int, version String                34 + version bytes
 * 11   Fetching    key 32, url String, bytes long                                46 + url bytes
 * 12   Announce    key 32, size long, sha256 32                                  76
 * 13   Activity    uptimeSeconds long, upstreamBytes long, lanBytes long,
 *                  streams List&lt;Stream&gt; (0..16), held List&lt;ObjectKey&gt; (0..64)    30 + streams + 32 h
 *      Stream      key 32, name String, source (1 byte 0: upstream, or 1 then NodeId 16),
 *                  bytes long, size long (-1: unknown), bytesPerSecond long         59 (+16) + name bytes
 * 14   Take        requestId long, key 32, url String                            46 + url bytes
 * 15   Renewed     url String, sha256 32                                         38 + url bytes
 * </pre>
 *
 * <p>Tags are stable: a tag is never reused for another type. Adding a message type takes a new tag
 * and keeps the version (older nodes reject the frame as an unknown type and drop it); changing the
 * layout of an existing type takes a new format version. Every message has exactly one encoding, so
 * {@code encode(decode(bytes))} gives back {@code bytes}.
 *
 * <h2>Decoding untrusted bytes</h2>
 *
 * <p>{@link #decode(byte[])} throws {@link MalformedMessageException}, and nothing else, for any
 * content whatever, with a message naming what is wrong. Frames longer than {@link #MAX_FRAME_BYTES}
 * are refused before parsing; every length and count is checked against the bytes that are left and
 * against its limit before anything is allocated; field values are checked by the record
 * constructors, whose complaints come wrapped.
 *
 * <p>Stateless and thread-safe.
 */
public final class MessageCodec {
  // The codec mirrors the records by hand, one writer and one reader per type, rather than by
  // reflection: the layout is then visible in one file, and reordering a record's components cannot
  // silently change the wire format (the golden-bytes tests would catch it anyway).

  /** The format this node writes and the only one it reads. */
  public static final int FORMAT_VERSION = 1;

  /** Frames longer than this are refused unread; no valid message comes near it. */
  public static final int MAX_FRAME_BYTES = 64 * 1024;

  private static final int MAGIC_0 = 0x50;
  private static final int MAGIC_1 = 0x4C;
  private static final int HEADER_BYTES = 4;
  private static final int KEY_BYTES = 32;
  private static final int DIGEST_BYTES = 32;
  private static final int MAX_STRING_BYTES = 0xFFFF;
  private static final int MAX_LIST_COUNT = 0xFF;

  private static final int WANT = 1;
  private static final int GRANT = 2;
  private static final int STREAM_FROM = 3;
  private static final int FETCH_FROM = 4;
  private static final int HAVE = 5;
  private static final int DROP = 6;
  private static final int PROGRESS = 7;
  private static final int DONE = 8;
  private static final int ABORT = 9;
  private static final int LOAD = 10;
  private static final int FETCHING = 11;
  private static final int ANNOUNCE = 12;
  private static final int ACTIVITY = 13;
  private static final int TAKE = 14;
  private static final int RENEWED = 15;

  private static final HexFormat HEX = HexFormat.of();

  private MessageCodec() {}

  /**
   * Writes {@code message} as one frame.
   *
   * @throws NullPointerException if {@code message} is null
   */
  public static byte[] encode(Message message) {
    Objects.requireNonNull(message, "message");
    FrameWriter out = new FrameWriter();
    if (message instanceof Want m) {
      out.header(WANT);
      out.i64(m.requestId());
      out.hex(m.key().id());
      out.string(m.url());
    } else if (message instanceof Take m) {
      out.header(TAKE);
      out.i64(m.requestId());
      out.hex(m.key().id());
      out.string(m.url());
    } else if (message instanceof Renewed m) {
      out.header(RENEWED);
      out.string(m.url());
      out.hex(m.sha256().hex());
    } else if (message instanceof Grant m) {
      out.header(GRANT);
      out.i64(m.requestId());
      out.hex(m.key().id());
      out.i64(m.resumeFrom());
    } else if (message instanceof StreamFrom m) {
      out.header(STREAM_FROM);
      out.i64(m.requestId());
      out.hex(m.key().id());
      out.nodes(m.sources());
    } else if (message instanceof FetchFrom m) {
      out.header(FETCH_FROM);
      out.i64(m.requestId());
      out.hex(m.key().id());
      out.nodes(m.holders());
      out.i64(m.size());
      out.hex(m.sha256().hex());
    } else if (message instanceof Have m) {
      out.header(HAVE);
      out.hex(m.key().id());
      out.i64(m.size());
      out.hex(m.sha256().hex());
    } else if (message instanceof Drop m) {
      out.header(DROP);
      out.hex(m.key().id());
    } else if (message instanceof Progress m) {
      out.header(PROGRESS);
      out.hex(m.key().id());
      out.i64(m.bytes());
    } else if (message instanceof Done m) {
      out.header(DONE);
      out.hex(m.key().id());
      out.i64(m.size());
      out.hex(m.sha256().hex());
    } else if (message instanceof Abort m) {
      out.header(ABORT);
      out.hex(m.key().id());
      out.string(m.reason());
    } else if (message instanceof Announce m) {
      out.header(ANNOUNCE);
      out.hex(m.key().id());
      out.i64(m.size());
      out.hex(m.sha256().hex());
    } else if (message instanceof Fetching m) {
      out.header(FETCHING);
      out.hex(m.key().id());
      out.string(m.url());
      out.i64(m.bytes());
    } else if (message instanceof Load m) {
      out.header(LOAD);
      out.i32(m.activeUploads());
      out.i64(m.uploadBytesPerSecond());
      out.i32(m.activeDownloads());
      out.i64(m.storedBytes());
      out.i32(m.peerPort());
      out.string(m.version());
    } else if (message instanceof Activity m) {
      out.header(ACTIVITY);
      out.i64(m.uptimeSeconds());
      out.i64(m.upstreamBytes());
      out.i64(m.lanBytes());
      out.u8(m.streams().size());
      for (Activity.Stream stream : m.streams()) {
        out.hex(stream.key().id());
        out.string(stream.name());
        if (stream.source() == null) {
          out.u8(0);
        } else {
          out.u8(1);
          out.hex(stream.source().hex());
        }
        out.i64(stream.bytes());
        out.i64(stream.size());
        out.i64(stream.bytesPerSecond());
      }
      out.u8(m.held().size());
      for (ObjectKey key : m.held()) {
        out.hex(key.id());
      }
    } else {
      throw new IllegalArgumentException("no wire form for " + message.getClass().getName());
    }
    return out.toByteArray();
  }

  /**
   * Reads one frame.
   *
   * @throws MalformedMessageException for any content that is not exactly one valid message
   * @throws NullPointerException if {@code frame} is null
   */
  public static Message decode(byte[] frame) {
    Objects.requireNonNull(frame, "frame");
    return decode(frame, 0, frame.length);
  }

  /**
   * Reads one frame from {@code frame[offset .. offset + length)}; bytes outside that range are not
   * looked at.
   *
   * @throws MalformedMessageException for any content that is not exactly one valid message
   * @throws NullPointerException if {@code frame} is null
   * @throws IndexOutOfBoundsException if the range does not lie within {@code frame} (a caller's
   *     bug, not bad input)
   */
  public static Message decode(byte[] frame, int offset, int length) {
    Objects.requireNonNull(frame, "frame");
    Objects.checkFromIndexSize(offset, length, frame.length);
    if (length > MAX_FRAME_BYTES) {
      throw new MalformedMessageException(
          "frame of " + length + " bytes exceeds the limit of " + MAX_FRAME_BYTES + " bytes");
    }
    checkMagic(frame, offset, length);
    if (length < HEADER_BYTES) {
      throw new MalformedMessageException(
          "truncated frame: header needs " + HEADER_BYTES + " bytes, " + length + " left");
    }
    int version = frame[offset + 2] & 0xFF;
    if (version != FORMAT_VERSION) {
      throw new MalformedMessageException(
          "unsupported format version " + version + " (this node speaks " + FORMAT_VERSION + ")");
    }
    int tag = frame[offset + 3] & 0xFF;
    FrameReader in = new FrameReader(frame, offset + HEADER_BYTES, offset + length);
    Message message;
    try {
      message = switch (tag) {
        case WANT -> readWant(in.type("Want"));
        case GRANT -> readGrant(in.type("Grant"));
        case STREAM_FROM -> readStreamFrom(in.type("StreamFrom"));
        case FETCH_FROM -> readFetchFrom(in.type("FetchFrom"));
        case HAVE -> readHave(in.type("Have"));
        case DROP -> readDrop(in.type("Drop"));
        case PROGRESS -> readProgress(in.type("Progress"));
        case DONE -> readDone(in.type("Done"));
        case ABORT -> readAbort(in.type("Abort"));
        case LOAD -> readLoad(in.type("Load"));
        case FETCHING -> readFetching(in.type("Fetching"));
        case ANNOUNCE -> readAnnounce(in.type("Announce"));
        case ACTIVITY -> readActivity(in.type("Activity"));
        case TAKE -> readTake(in.type("Take"));
        case RENEWED -> readRenewed(in.type("Renewed"));
        default -> throw new MalformedMessageException("unknown message type " + tag);
      };
    } catch (IllegalArgumentException e) {
      // Only the record constructors throw it: a well-formed frame carrying a value they refuse.
      throw new MalformedMessageException("invalid value: " + e.getMessage(), e);
    }
    in.requireEnd();
    return message;
  }

  private static void checkMagic(byte[] frame, int offset, int length) {
    boolean first = length < 1 || (frame[offset] & 0xFF) == MAGIC_0;
    boolean second = length < 2 || (frame[offset + 1] & 0xFF) == MAGIC_1;
    if (!first || !second) {
      StringBuilder seen = new StringBuilder();
      for (int i = 0; i < Math.min(2, length); i++) {
        seen.append(i == 0 ? "0x" : " 0x").append(HEX.withUpperCase().toHexDigits(frame[offset + i]));
      }
      throw new MalformedMessageException(
          "bad magic " + seen + ", expected 0x50 0x4C (\"PL\"): not a Potluck cluster message");
    }
  }

  private static Want readWant(FrameReader in) {
    return new Want(in.i64("requestId"), in.key("key"), in.string("url"));
  }

  private static Renewed readRenewed(FrameReader in) {
    return new Renewed(in.string("url"), in.digest("sha256"));
  }

  private static Take readTake(FrameReader in) {
    return new Take(in.i64("requestId"), in.key("key"), in.string("url"));
  }

  private static Grant readGrant(FrameReader in) {
    return new Grant(in.i64("requestId"), in.key("key"), in.i64("resumeFrom"));
  }

  private static StreamFrom readStreamFrom(FrameReader in) {
    return new StreamFrom(in.i64("requestId"), in.key("key"), in.nodes("sources", StreamFrom.MAX_SOURCES));
  }

  private static FetchFrom readFetchFrom(FrameReader in) {
    return new FetchFrom(in.i64("requestId"), in.key("key"), in.nodes("holders", FetchFrom.MAX_HOLDERS),
        in.i64("size"), in.digest("sha256"));
  }

  private static Have readHave(FrameReader in) {
    return new Have(in.key("key"), in.i64("size"), in.digest("sha256"));
  }

  private static Drop readDrop(FrameReader in) {
    return new Drop(in.key("key"));
  }

  private static Announce readAnnounce(FrameReader in) {
    return new Announce(in.key("key"), in.i64("size"), in.digest("sha256"));
  }

  private static Fetching readFetching(FrameReader in) {
    return new Fetching(in.key("key"), in.string("url"), in.i64("bytes"));
  }

  private static Progress readProgress(FrameReader in) {
    return new Progress(in.key("key"), in.i64("bytes"));
  }

  private static Done readDone(FrameReader in) {
    return new Done(in.key("key"), in.i64("size"), in.digest("sha256"));
  }

  private static Abort readAbort(FrameReader in) {
    return new Abort(in.key("key"), in.string("reason"));
  }

  private static Load readLoad(FrameReader in) {
    return new Load(in.i32("activeUploads"), in.i64("uploadBytesPerSecond"), in.i32("activeDownloads"),
        in.i64("storedBytes"), in.i32("peerPort"), in.string("version"));
  }

  private static Activity readActivity(FrameReader in) {
    long uptime = in.i64("uptimeSeconds");
    long upstreamBytes = in.i64("upstreamBytes");
    long lanBytes = in.i64("lanBytes");
    int streamCount = in.count("streams", Activity.MAX_STREAMS);
    List<Activity.Stream> streams = new ArrayList<>(streamCount);
    for (int i = 0; i < streamCount; i++) {
      String at = "streams[" + i + "]";
      ObjectKey key = in.key(at + ".key");
      String name = in.string(at + ".name");
      int hasSource = in.u8(at + ".source");
      if (hasSource > 1) {
        throw new MalformedMessageException("Activity." + at + ".source flag must be 0 or 1, was " + hasSource);
      }
      NodeId source = hasSource == 1 ? new NodeId(in.hexField(NodeId.BYTES, at + ".source")) : null;
      streams.add(new Activity.Stream(key, name, source, in.i64(at + ".bytes"), in.i64(at + ".size"),
          in.i64(at + ".bytesPerSecond")));
    }
    int heldCount = in.count("held", Activity.MAX_HELD);
    List<ObjectKey> held = new ArrayList<>(heldCount);
    for (int i = 0; i < heldCount; i++) {
      held.add(in.key("held[" + i + "]"));
    }
    return new Activity(uptime, upstreamBytes, lanBytes, streams, held);
  }

  /** Appends big-endian fields to a growing array. */
  private static final class FrameWriter {
    private byte[] bytes = new byte[128];
    private int size;

    void header(int tag) {
      u8(MAGIC_0);
      u8(MAGIC_1);
      u8(FORMAT_VERSION);
      u8(tag);
    }

    void u8(int value) {
      ensure(1);
      bytes[size++] = (byte) value;
    }

    void i32(int value) {
      ensure(4);
      for (int shift = 24; shift >= 0; shift -= 8) {
        bytes[size++] = (byte) (value >>> shift);
      }
    }

    void i64(long value) {
      ensure(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        bytes[size++] = (byte) (value >>> shift);
      }
    }

    /** Writes hex text, already validated by its record (key, digest or node id), as raw bytes. */
    void hex(String hex) {
      byte[] raw = HEX.parseHex(hex);
      ensure(raw.length);
      System.arraycopy(raw, 0, bytes, size, raw.length);
      size += raw.length;
    }

    void string(String text) {
      // Records refuse unpaired surrogates, so this encoding is exact, never a lossy '?'.
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      if (utf8.length > MAX_STRING_BYTES) {
        throw new IllegalArgumentException("string of " + utf8.length + " UTF-8 bytes does not fit a frame");
      }
      ensure(2 + utf8.length);
      bytes[size++] = (byte) (utf8.length >>> 8);
      bytes[size++] = (byte) utf8.length;
      System.arraycopy(utf8, 0, bytes, size, utf8.length);
      size += utf8.length;
    }

    void nodes(List<NodeId> nodes) {
      if (nodes.size() > MAX_LIST_COUNT) {
        throw new IllegalArgumentException("list of " + nodes.size() + " nodes does not fit a frame");
      }
      u8(nodes.size());
      for (NodeId node : nodes) {
        hex(node.hex());
      }
    }

    byte[] toByteArray() {
      if (size > MAX_FRAME_BYTES) {
        throw new IllegalStateException("encoded frame of " + size + " bytes exceeds " + MAX_FRAME_BYTES);
      }
      return Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }
  }

  /**
   * Reads fields from {@code frame[pos .. end)}, checking before every read, and before every
   * allocation, that the bytes are there. Field names in messages are {@code Type.field}.
   */
  private static final class FrameReader {
    private final byte[] frame;
    private final int end;
    private int pos;
    private String type = "message";

    FrameReader(byte[] frame, int pos, int end) {
      this.frame = frame;
      this.pos = pos;
      this.end = end;
    }

    FrameReader type(String name) {
      this.type = name;
      return this;
    }

    long i64(String field) {
      need(8, field);
      long value = 0;
      for (int i = 0; i < 8; i++) {
        value = value << 8 | (frame[pos++] & 0xFF);
      }
      return value;
    }

    int i32(String field) {
      need(4, field);
      int value = 0;
      for (int i = 0; i < 4; i++) {
        value = value << 8 | (frame[pos++] & 0xFF);
      }
      return value;
    }

    ObjectKey key(String field) {
      return new ObjectKey(hex(KEY_BYTES, field));
    }

    Sha256 digest(String field) {
      return new Sha256(hex(DIGEST_BYTES, field));
    }

    String string(String field) {
      need(2, field + " length");
      int length = (frame[pos] & 0xFF) << 8 | (frame[pos + 1] & 0xFF);
      pos += 2;
      need(length, field);
      try {
        String text = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(frame, pos, length))
            .toString();
        pos += length;
        return text;
      } catch (CharacterCodingException e) {
        throw new MalformedMessageException("invalid UTF-8 in " + type + "." + field, e);
      }
    }

    int u8(String field) {
      need(1, field);
      return frame[pos++] & 0xFF;
    }

    /** A list's count, refused above {@code max} before anything is allocated. */
    int count(String field, int max) {
      int count = u8(field + " count");
      if (count > max) {
        throw new MalformedMessageException(
            "list of " + count + " " + field + " exceeds " + max + " in " + type + "." + field);
      }
      return count;
    }

    String hexField(int byteCount, String field) {
      return hex(byteCount, field);
    }

    List<NodeId> nodes(String field, int max) {
      need(1, field + " count");
      int count = frame[pos++] & 0xFF;
      if (count > max) {
        throw new MalformedMessageException(
            "list of " + count + " " + field + " exceeds " + max + " in " + type + "." + field);
      }
      List<NodeId> nodes = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        nodes.add(new NodeId(hex(NodeId.BYTES, field + "[" + i + "]")));
      }
      return nodes;
    }

    void requireEnd() {
      if (pos != end) {
        throw new MalformedMessageException("trailing " + (end - pos) + " bytes after " + type);
      }
    }

    private String hex(int byteCount, String field) {
      need(byteCount, field);
      String hex = HEX.formatHex(frame, pos, pos + byteCount);
      pos += byteCount;
      return hex;
    }

    private void need(int byteCount, String field) {
      int left = end - pos;
      if (left < byteCount) {
        throw new MalformedMessageException(
            "truncated frame: " + type + "." + field + " needs " + byteCount + " bytes, " + left + " left");
      }
    }
  }
}
