package dev.potluck.protocol.codec;

import dev.potluck.protocol.CanonicalUrl;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** Messages for codec tests: one of each type, edge values, and random valid messages. */
final class Samples {

  static final ObjectKey KEY = new ObjectKey("0123456789abcdef".repeat(4));
  static final Sha256 DIGEST = Sha256.of("abc");
  static final String URL = "http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb";

  private Samples() {}

  /** Node {@code i}: 31 zeros and then {@code i} in hex, so golden bytes stay readable. */
  static NodeId node(int i) {
    return new NodeId(String.format("%032x", i));
  }

  static List<NodeId> nodes(int count) {
    List<NodeId> nodes = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      nodes.add(node(i));
    }
    return nodes;
  }

  /** One ordinary message of every type, in tag order. */
  static List<Message> everyType() {
    return List.of(
        new Want(42, KEY, URL),
        new Grant(42, KEY, 0),
        new StreamFrom(42, KEY, nodes(3)),
        new FetchFrom(42, KEY, nodes(2), 1234, DIGEST),
        new Have(KEY, 1234, DIGEST),
        new Drop(KEY),
        new Progress(KEY, 1000),
        new Done(KEY, 1234, DIGEST),
        new Abort(KEY, "upstream answered 503"),
        new Load(2, 12_500_000, 1, 40_000_000_000L, 7879, "0.1.0"),
        new Fetching(KEY, URL, 4096),
        new Announce(KEY, 1234, DIGEST),
        new Activity(3600, 1_000_000, 4_000_000, List.of(
            new Activity.Stream(KEY, "hello_2.10-3_amd64.deb", node(1), 1000, 1234, 500),
            new Activity.Stream(new ObjectKey("f".repeat(64)), "Packages.xz", null, 10, -1, 0)),
            List.of(KEY)),
        new Take(42, KEY, URL),
        new Renewed(URL, DIGEST));
  }

  /** Limits and corner values of every field kind. */
  static List<Message> edgeCases() {
    String asciiMax = "http://h/" + "a".repeat(CanonicalUrl.MAX_LENGTH - 9);
    // Three UTF-8 bytes per character: 4096 characters make 12288 bytes on the wire.
    String wideMax = "http://h/" + "€".repeat(CanonicalUrl.MAX_LENGTH - 9);
    return List.of(
        new Want(0, KEY, "h"),
        new Want(Long.MIN_VALUE, KEY, asciiMax),
        new Want(Long.MAX_VALUE, KEY, wideMax),
        new Want(-1, KEY, "http://h/Grüße/日本/😀.deb"),
        new Grant(Long.MAX_VALUE, KEY, Long.MAX_VALUE),
        new Grant(Long.MIN_VALUE, KEY, 1),
        new StreamFrom(0, KEY, List.of(node(0))),
        new StreamFrom(-7, KEY, nodes(StreamFrom.MAX_SOURCES)),
        new FetchFrom(Long.MAX_VALUE, KEY, nodes(FetchFrom.MAX_HOLDERS), Long.MAX_VALUE, DIGEST),
        new FetchFrom(0, KEY, List.of(new NodeId("f".repeat(32))), 0, DIGEST),
        new Have(new ObjectKey("f".repeat(64)), 0, new Sha256("0".repeat(64))),
        new Have(KEY, Long.MAX_VALUE, DIGEST),
        new Drop(new ObjectKey("0".repeat(64))),
        new Progress(KEY, 0),
        new Progress(KEY, Long.MAX_VALUE),
        new Done(KEY, 0, Sha256.of(new byte[0])),
        new Done(KEY, Long.MAX_VALUE, DIGEST),
        new Abort(KEY, ""),
        new Abort(KEY, "x".repeat(Abort.MAX_REASON_LENGTH)),
        new Abort(KEY, "😀".repeat(Abort.MAX_REASON_LENGTH / 2)),
        new Load(0, 0, 0, 0, 1, ""),
        new Load(Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, 65_535,
            "v".repeat(Load.MAX_VERSION_LENGTH)),
        new Activity(0, 0, 0, List.of(), List.of()),
        new Activity(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, maxStreams(), maxHeld()));
  }

  private static List<Activity.Stream> maxStreams() {
    List<Activity.Stream> streams = new ArrayList<>();
    for (int i = 0; i < Activity.MAX_STREAMS; i++) {
      streams.add(new Activity.Stream(KEY, "😀".repeat(Activity.Stream.MAX_NAME_LENGTH / 2),
          i % 2 == 0 ? null : node(i), Long.MAX_VALUE, i == 0 ? -1 : Long.MAX_VALUE, Long.MAX_VALUE));
    }
    return streams;
  }

  private static List<ObjectKey> maxHeld() {
    List<ObjectKey> held = new ArrayList<>();
    for (int i = 0; i < Activity.MAX_HELD; i++) {
      held.add(new ObjectKey(String.format("%064x", i)));
    }
    return held;
  }

  static List<Message> all() {
    List<Message> all = new ArrayList<>(everyType());
    all.addAll(edgeCases());
    return all;
  }

  /** A valid message of a random type with random field values, strings mixing 1- to 4-byte UTF-8. */
  static Message random(SplittableRandom r) {
    ObjectKey key = new ObjectKey(randomHex(r, 32));
    switch (r.nextInt(15)) {
      case 0:
        return new Want(r.nextLong(), key, randomText(r, 1, 200));
      case 1:
        return new Grant(r.nextLong(), key, randomSize(r));
      case 2:
        return new StreamFrom(r.nextLong(), key, randomNodes(r, StreamFrom.MAX_SOURCES));
      case 3:
        return new FetchFrom(r.nextLong(), key, randomNodes(r, FetchFrom.MAX_HOLDERS), randomSize(r),
            new Sha256(randomHex(r, 32)));
      case 4:
        return new Have(key, randomSize(r), new Sha256(randomHex(r, 32)));
      case 5:
        return new Drop(key);
      case 6:
        return new Progress(key, randomSize(r));
      case 7:
        return new Done(key, randomSize(r), new Sha256(randomHex(r, 32)));
      case 8:
        return new Abort(key, randomText(r, 0, 60));
      case 9:
        return new Fetching(key, randomText(r, 1, 200), randomSize(r));
      case 10:
        return new Announce(key, randomSize(r), new Sha256(randomHex(r, 32)));
      case 11:
        return new Activity(randomSize(r), randomSize(r), randomSize(r), List.of(new Activity.Stream(key,
            randomText(r, 0, Activity.Stream.MAX_NAME_LENGTH / 2), r.nextBoolean() ? null : randomNodes(r, 1).get(0),
            randomSize(r), r.nextBoolean() ? -1 : randomSize(r), randomSize(r))), List.of(key));
      case 12:
        return new Take(r.nextLong(), key, randomText(r, 1, 200));
      case 13:
        return new Renewed(randomText(r, 1, 200), new Sha256(randomHex(r, 32)));
      default:
        return new Load(r.nextInt(Integer.MAX_VALUE), randomSize(r), r.nextInt(1000), randomSize(r),
            r.nextInt(1, 65_536), randomText(r, 0, Load.MAX_VERSION_LENGTH / 2));
    }
  }

  private static long randomSize(SplittableRandom r) {
    int pick = r.nextInt(4);
    return pick == 0 ? 0 : pick == 1 ? Long.MAX_VALUE : pick == 2 ? r.nextLong(1 << 20) : r.nextLong(Long.MAX_VALUE);
  }

  private static String randomHex(SplittableRandom r, int byteCount) {
    byte[] bytes = new byte[byteCount];
    r.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static List<NodeId> randomNodes(SplittableRandom r, int max) {
    int count = r.nextInt(1, max + 1);
    Set<NodeId> nodes = new LinkedHashSet<>();
    while (nodes.size() < count) {
      nodes.add(new NodeId(randomHex(r, NodeId.BYTES)));
    }
    return new ArrayList<>(nodes);
  }

  /** Up to {@code maxCodePoints} code points, so at most twice as many chars. */
  private static String randomText(SplittableRandom r, int minCodePoints, int maxCodePoints) {
    int count = r.nextInt(minCodePoints, maxCodePoints + 1);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      int kind = r.nextInt(4);
      int codePoint = kind == 0 ? r.nextInt(0x20, 0x7F)
          : kind == 1 ? r.nextInt(0x80, 0x800)
          : kind == 2 ? (r.nextBoolean() ? r.nextInt(0x800, 0xD800) : r.nextInt(0xE000, 0x10000))
          : r.nextInt(0x10000, 0x110000);
      text.appendCodePoint(codePoint);
    }
    return text.toString();
  }
}
