package dev.potluck.scheduler;

import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.Sha256;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** What an arbiter knows about one of its keys: who holds it, who fetches it, who is receiving it. */
final class KeyState {

  /** The node fetching from upstream, and for which of its requests. */
  static final class Lease {
    final NodeId fetcher;
    final long requestId;
    long bytes;
    long lastProgressAt;

    Lease(NodeId fetcher, long requestId, long bytes, long now) {
      this.fetcher = fetcher;
      this.requestId = requestId;
      this.bytes = bytes;
      this.lastProgressAt = now;
    }
  }

  /** A node streaming the object while it is being fetched, and the node it streams from. */
  static final class Receiver {
    NodeId parent;
    final long requestId;
    long bytes;

    Receiver(NodeId parent, long requestId) {
      this.parent = parent;
      this.requestId = requestId;
    }
  }

  long size = -1;
  Sha256 sha256;
  Lease lease;
  /** Insertion-ordered, so every decision that iterates is deterministic. */
  final Map<NodeId, Boolean> holders = new LinkedHashMap<>();
  final Map<NodeId, Receiver> receivers = new LinkedHashMap<>();

  boolean isEmpty() {
    return lease == null && holders.isEmpty() && receivers.isEmpty();
  }

  /** How many receivers stream from each node, counted in one pass over the receivers. */
  Map<NodeId, Integer> childCounts() {
    Map<NodeId, Integer> counts = new HashMap<>();
    for (Receiver r : receivers.values()) {
      counts.merge(r.parent, 1, Integer::sum);
    }
    return counts;
  }
}
