package dev.potluck.bench.jmh;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Sample messages and identities for the benchmarks, from a fixed seed so every run sees the same bytes. */
final class Messages {

  /** A package URL as apt asks for it: the typical size of a Want. */
  static final String TYPICAL_URL =
      "http://deb.debian.org/debian/pool/main/l/linux-signed-amd64/linux-image-6.1.0-27-amd64_6.1.115-1_amd64.deb";

  private Messages() {}

  static Message sample(String name) {
    Random random = new Random(42);
    ObjectKey key = key(random);
    Sha256 sha256 = Sha256.of(("body " + name).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return switch (name) {
      case "want" -> new Message.Want(random.nextLong(), key, TYPICAL_URL);
      case "grant" -> new Message.Grant(random.nextLong(), key, 0);
      case "progress" -> new Message.Progress(key, 48_213_504L);
      case "have" -> new Message.Have(key, 73_114_624L, sha256);
      case "load" -> new Message.Load(3, 41_000_000L, 1, 9_876_543_210L, 7879, "0.1.0-SNAPSHOT");
      case "streamFrom16" -> new Message.StreamFrom(random.nextLong(), key, nodes(random, Message.StreamFrom.MAX_SOURCES));
      case "fetchFrom16" ->
          new Message.FetchFrom(random.nextLong(), key, nodes(random, Message.FetchFrom.MAX_HOLDERS), 73_114_624L, sha256);
      case "wantLongUrl" -> new Message.Want(random.nextLong(), key, longUrl());
      case "abortLong" -> new Message.Abort(key, "x".repeat(Message.Abort.MAX_REASON_LENGTH));
      default -> throw new IllegalArgumentException("no sample message named '" + name + "'");
    };
  }

  static ObjectKey key(Random random) {
    return ObjectKey.of(CanonicalUrl.parse("http://deb.debian.org/debian/pool/main/p/pkg" + random.nextLong()
        + "/pkg_1.0-1_amd64.deb"));
  }

  /** {@code count} distinct node ids. */
  static List<NodeId> nodes(Random random, int count) {
    List<NodeId> nodes = new ArrayList<>(count);
    while (nodes.size() < count) {
      NodeId id = NodeId.random(random);
      if (!nodes.contains(id)) {
        nodes.add(id);
      }
    }
    return nodes;
  }

  /** A URL of exactly {@link CanonicalUrl#MAX_LENGTH} characters. */
  private static String longUrl() {
    String prefix = "http://deb.debian.org/debian/pool/main/p/";
    return prefix + "a".repeat(CanonicalUrl.MAX_LENGTH - prefix.length());
  }
}
