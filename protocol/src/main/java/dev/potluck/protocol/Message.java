package dev.potluck.protocol;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A cluster control message: what nodes tell each other about objects, fetch leases and load.
 *
 * <p>The conversation for one object is short. A requester sends {@link Want} to the key's arbiter
 * (the view member chosen by rendezvous hashing of key and member). The arbiter answers with exactly
 * one of {@link Grant} (fetch it yourself, you hold the lease), {@link StreamFrom} (it is being
 * fetched; stream it from a node that is receiving it) or {@link FetchFrom} (it is complete on these
 * holders). Answers carry the request's {@code requestId} back so the requester can match them. The
 * lease holder reports {@link Progress} and ends with {@link Done} or {@link Abort}; any node that
 * holds a complete, verified object says {@link Have}, and {@link Drop} when it evicts it. A node
 * sends its {@link Load} to the arbiters of the keys it holds when its upload count changes, and to
 * members that join; every node gossips its {@link Activity}, for people watching, about once a second.
 *
 * <p>Every record checks its fields when constructed, so a {@code Message} that exists is one that
 * can be encoded and that a receiver may act on: sizes and byte counts are never negative, lists of
 * nodes are non-empty, bounded and free of duplicates, and text is bounded and valid UTF-16 (no
 * unpaired surrogates, so it always encodes to UTF-8 and back unchanged). A violation is an
 * {@link IllegalArgumentException} whose message names the type, the field and the bad value.
 * Request ids are opaque: any {@code long} is allowed.
 *
 * <p>The binary form lives in {@code dev.potluck.protocol.codec.MessageCodec}; never Java serialization.
 */
public sealed interface Message {

  /**
   * A requester asks the key's arbiter for an object.
   *
   * @param requestId chosen by the requester, echoed in the answer
   * @param key the object's key, {@code ObjectKey.of(CanonicalUrl.parse(url))}
   * @param url the canonical URL text: non-empty, at most {@link CanonicalUrl#MAX_LENGTH} characters;
   *     whoever takes over a dead fetcher's lease fetches from it
   */
  record Want(long requestId, ObjectKey key, String url) implements Message {
    public Want {
      requireKey(key, "Want.key");
      requireText(url, 1, CanonicalUrl.MAX_LENGTH, "Want.url");
    }
  }

  /**
   * A requester that serves nobody (a node run with {@code --no-share}) asks for an object. The arbiter
   * answers as it answers a {@link Want}, except that it never offers this requester to anyone: it is
   * never named as a holder, a relay or a lease heir, and a {@link Grant} to it is no lease (others
   * asking meanwhile are not told to follow its fetch). Fields as in {@link Want}.
   */
  record Take(long requestId, ObjectKey key, String url) implements Message {
    public Take {
      requireKey(key, "Take.key");
      requireText(url, 1, CanonicalUrl.MAX_LENGTH, "Take.url");
    }
  }

  /**
   * Broadcast by a node that took a new version of a signed Release (apt's InRelease) from upstream and
   * holds, as it lists them, the indexes its clients use. A member that holds an older copy of
   * {@code url} takes the new one from the member that keeps it, checked as always, and those indexes,
   * so that its own next update finds them on the LAN. Only a hint: what a member does with it depends
   * on its own checks, and it acts on one URL at most once per revalidation interval.
   *
   * @param url the Release's canonical URL, as in {@link Want}
   * @param sha256 the new Release's digest: members that already have it do nothing
   */
  record Renewed(String url, Sha256 sha256) implements Message {
    public Renewed {
      requireText(url, 1, CanonicalUrl.MAX_LENGTH, "Renewed.url");
      java.util.Objects.requireNonNull(sha256, "Renewed.sha256");
    }
  }

  /**
   * Arbiter to requester: you hold the fetch lease for {@code key}; fetch it upstream from byte
   * {@code resumeFrom}.
   *
   * @param resumeFrom 0 for a fresh fetch; greater than 0 when taking over a dead fetcher's lease,
   *     the LAN already having the bytes before it
   */
  record Grant(long requestId, ObjectKey key, long resumeFrom) implements Message {
    public Grant {
      requireKey(key, "Grant.key");
      requireNonNegative(resumeFrom, "Grant.resumeFrom");
    }
  }

  /**
   * Arbiter to requester: the object is being fetched; stream it, while it grows, from the first of
   * {@code sources}, falling back to the next ones in order.
   *
   * @param sources 1 to {@link #MAX_SOURCES} distinct nodes, best first
   */
  record StreamFrom(long requestId, ObjectKey key, List<NodeId> sources) implements Message {

    /** The most sources one answer names. */
    public static final int MAX_SOURCES = 16;

    public StreamFrom {
      requireKey(key, "StreamFrom.key");
      sources = requireNodes(sources, MAX_SOURCES, "StreamFrom.sources");
    }
  }

  /**
   * Arbiter to requester: the object is complete on {@code holders}, ranked best (least loaded) first;
   * take it from one of them and verify it against {@code size} and {@code sha256} before committing.
   *
   * @param holders 1 to {@link #MAX_HOLDERS} distinct nodes, best first
   */
  record FetchFrom(long requestId, ObjectKey key, List<NodeId> holders, long size, Sha256 sha256)
      implements Message {

    /** The most holders one answer names. */
    public static final int MAX_HOLDERS = 16;

    public FetchFrom {
      requireKey(key, "FetchFrom.key");
      holders = requireNodes(holders, MAX_HOLDERS, "FetchFrom.holders");
      requireNonNegative(size, "FetchFrom.size");
      requireDigest(sha256, "FetchFrom.sha256");
    }
  }

  /** A node announces that it holds a complete, verified copy of the object. */
  record Have(ObjectKey key, long size, Sha256 sha256) implements Message {
    public Have {
      requireKey(key, "Have.key");
      requireNonNegative(size, "Have.size");
      requireDigest(sha256, "Have.sha256");
    }
  }

  /** A node no longer holds the object (it was evicted or found corrupt). */
  record Drop(ObjectKey key) implements Message {
    public Drop {
      requireKey(key, "Drop.key");
    }
  }

  /**
   * A fetcher or receiver reports how many contiguous bytes of the object, from the start, it has.
   * The arbiter uses the largest report to tell a lease taker where to resume.
   */
  record Progress(ObjectKey key, long bytes) implements Message {
    public Progress {
      requireKey(key, "Progress.key");
      requireNonNegative(bytes, "Progress.bytes");
    }
  }

  /**
   * A lease holder tells a key's new arbiter (after a view change) that it is fetching the object, so
   * the new arbiter does not grant a second fetch.
   *
   * @param bytes how much of the object the fetcher has so far
   */
  record Fetching(ObjectKey key, String url, long bytes) implements Message {
    public Fetching {
      requireKey(key, "Fetching.key");
      requireText(url, 1, CanonicalUrl.MAX_LENGTH, "Fetching.url");
      requireNonNegative(bytes, "Fetching.bytes");
    }
  }

  /**
   * Arbiter to a node still streaming the object: the fetcher finished, and the object has this size
   * and digest. The receiver verifies what it got against them before the object counts as complete.
   */
  record Announce(ObjectKey key, long size, Sha256 sha256) implements Message {
    public Announce {
      requireKey(key, "Announce.key");
      requireNonNegative(size, "Announce.size");
      requireDigest(sha256, "Announce.sha256");
    }
  }

  /** The lease holder finished fetching; receivers verify against {@code size} and {@code sha256}. */
  record Done(ObjectKey key, long size, Sha256 sha256) implements Message {
    public Done {
      requireKey(key, "Done.key");
      requireNonNegative(size, "Done.size");
      requireDigest(sha256, "Done.sha256");
    }
  }

  /**
   * The lease holder gave up; the arbiter may grant the lease to a waiter.
   *
   * @param reason for people reading logs and the dashboard; may be empty, at most
   *     {@link #MAX_REASON_LENGTH} characters
   */
  record Abort(ObjectKey key, String reason) implements Message {

    /** The longest reason, in characters. */
    public static final int MAX_REASON_LENGTH = 512;

    public Abort {
      requireKey(key, "Abort.key");
      requireText(reason, 0, MAX_REASON_LENGTH, "Abort.reason");
    }
  }

  /**
   * A node's load, sent to the arbiters of the keys it holds when its upload count changes (they rank
   * holders by it), and to members that join (they learn its peer port from it).
   *
   * @param peerPort the port of the node's peer HTTP listener, 1 to 65535
   * @param version the node's software version, at most {@link #MAX_VERSION_LENGTH} characters
   */
  record Load(int activeUploads, long uploadBytesPerSecond, int activeDownloads, long storedBytes,
      int peerPort, String version) implements Message {

    /** The longest version text, in characters. */
    public static final int MAX_VERSION_LENGTH = 64;

    public Load {
      requireNonNegative(activeUploads, "Load.activeUploads");
      requireNonNegative(uploadBytesPerSecond, "Load.uploadBytesPerSecond");
      requireNonNegative(activeDownloads, "Load.activeDownloads");
      requireNonNegative(storedBytes, "Load.storedBytes");
      if (peerPort < 1 || peerPort > 65_535) {
        throw new IllegalArgumentException("Load.peerPort must be 1 to 65535, was " + peerPort);
      }
      requireText(version, 0, MAX_VERSION_LENGTH, "Load.version");
    }
  }

  /**
   * What a node is doing, gossiped to every member about once a second for people watching the
   * cluster (the dashboard); the scheduler does not act on it.
   *
   * @param uptimeSeconds how long the node has run
   * @param upstreamBytes body bytes the node has taken from upstream since it started
   * @param lanBytes body bytes the node has taken from other nodes since it started
   * @param streams up to {@link #MAX_STREAMS} of the objects it is receiving now
   * @param held up to {@link #MAX_HELD} distinct keys of objects it holds, most recently stored first
   */
  record Activity(long uptimeSeconds, long upstreamBytes, long lanBytes, List<Stream> streams,
      List<ObjectKey> held) implements Message {

    /** The most streams one report names. */
    public static final int MAX_STREAMS = 16;

    /** The most held keys one report names. */
    public static final int MAX_HELD = 64;

    public Activity {
      requireNonNegative(uptimeSeconds, "Activity.uptimeSeconds");
      requireNonNegative(upstreamBytes, "Activity.upstreamBytes");
      requireNonNegative(lanBytes, "Activity.lanBytes");
      streams = requireList(streams, MAX_STREAMS, "Activity.streams");
      held = requireList(held, MAX_HELD, "Activity.held");
      if (new HashSet<>(held).size() != held.size()) {
        throw new IllegalArgumentException("Activity.held names a key twice");
      }
    }

    /**
     * One object the node is receiving.
     *
     * @param name what people call it (the URL's last segments), at most {@link #MAX_NAME_LENGTH} characters
     * @param source the node it streams from, or null when it comes from upstream
     * @param bytes bytes received so far
     * @param size the object's length, or -1 while unknown
     * @param bytesPerSecond the recent receiving rate
     */
    public record Stream(ObjectKey key, String name, NodeId source, long bytes, long size, long bytesPerSecond) {

      /** The longest name, in characters. */
      public static final int MAX_NAME_LENGTH = 128;

      public Stream {
        requireKey(key, "Stream.key");
        requireText(name, 0, MAX_NAME_LENGTH, "Stream.name");
        requireNonNegative(bytes, "Stream.bytes");
        if (size < -1) {
          throw new IllegalArgumentException("Stream.size must be >= -1 (-1: unknown), was " + size);
        }
        requireNonNegative(bytesPerSecond, "Stream.bytesPerSecond");
      }
    }
  }

  private static <T> List<T> requireList(List<T> given, int max, String field) {
    if (given == null) {
      throw new IllegalArgumentException(field + " is missing");
    }
    List<T> items = new ArrayList<>(given);
    if (items.size() > max) {
      throw new IllegalArgumentException(field + " has " + items.size() + " entries; the limit is " + max);
    }
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) == null) {
        throw new IllegalArgumentException(field + "[" + i + "] is missing");
      }
    }
    return List.copyOf(items);
  }

  private static void requireKey(ObjectKey key, String field) {
    if (key == null) {
      throw new IllegalArgumentException(field + " is missing");
    }
  }

  private static void requireDigest(Sha256 digest, String field) {
    if (digest == null) {
      throw new IllegalArgumentException(field + " is missing");
    }
  }

  private static void requireNonNegative(long value, String field) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must be >= 0, was " + value);
    }
  }

  private static void requireText(String text, int minLength, int maxLength, String field) {
    if (text == null) {
      throw new IllegalArgumentException(field + " is missing");
    }
    if (text.length() < minLength) {
      throw new IllegalArgumentException(field + " is empty");
    }
    if (text.length() > maxLength) {
      throw new IllegalArgumentException(
          field + " is " + text.length() + " characters long; the limit is " + maxLength);
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            field + " has an unpaired surrogate at index " + i + " and cannot be written as UTF-8");
      }
    }
  }

  /** Validates a snapshot of {@code given}, so a list changed meanwhile by another thread cannot slip through. */
  private static List<NodeId> requireNodes(List<NodeId> given, int max, String field) {
    if (given == null) {
      throw new IllegalArgumentException(field + " is missing");
    }
    List<NodeId> nodes = new ArrayList<>(given);
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException(field + " is empty; at least one node is needed");
    }
    if (nodes.size() > max) {
      throw new IllegalArgumentException(field + " names " + nodes.size() + " nodes; the limit is " + max);
    }
    Set<NodeId> seen = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      NodeId node = nodes.get(i);
      if (node == null) {
        throw new IllegalArgumentException(field + "[" + i + "] is missing");
      }
      if (!seen.add(node)) {
        throw new IllegalArgumentException(field + " names " + node + " twice");
      }
    }
    return List.copyOf(nodes);
  }
}
