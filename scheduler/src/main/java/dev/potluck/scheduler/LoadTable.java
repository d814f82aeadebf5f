package dev.potluck.scheduler;

import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an arbiter believes about each member's upload load: the last gossiped {@link Load}, plus the
 * assignments it made itself since. Gossip lags by up to a second; without counting its own fresh
 * assignments, an arbiter would send a whole burst of requesters to the same "least-loaded" holder.
 */
final class LoadTable {

  private final long windowMillis;
  private final Map<NodeId, Load> gossiped = new HashMap<>();
  private final Map<NodeId, Deque<Long>> assignments = new HashMap<>();

  LoadTable(long windowMillis) {
    this.windowMillis = windowMillis;
  }

  /**
   * How long after an assignment the holder's own gossip reflects it: the requester's answer, its
   * connection, and the holder's next tick. A gossip arriving later than that supersedes it.
   */
  static final long GOSSIP_LAG_MILLIS = 300;

  /**
   * A node's gossiped load, received at {@code now}. Assignments made before {@code now -}
   * {@value #GOSSIP_LAG_MILLIS} are in it (or already over), so they stop counting: otherwise an
   * arbiter would count a finished burst against its holders for the whole window.
   */
  void update(NodeId node, Load load, long now) {
    gossiped.put(node, load);
    Deque<Long> recent = assignments.get(node);
    if (recent != null) {
      while (!recent.isEmpty() && recent.peekFirst() <= now - GOSSIP_LAG_MILLIS) {
        recent.pollFirst();
      }
    }
  }

  void forget(NodeId node) {
    gossiped.remove(node);
    assignments.remove(node);
  }

  void assigned(NodeId node, long now) {
    assignments.computeIfAbsent(node, n -> new ArrayDeque<>()).addLast(now);
  }

  /** Uploads the node reported, plus the assignments made to it within the window. */
  int weight(NodeId node, long now) {
    Load load = gossiped.get(node);
    int uploads = load == null ? 0 : load.activeUploads();
    Deque<Long> recent = assignments.get(node);
    if (recent != null) {
      while (!recent.isEmpty() && recent.peekFirst() <= now - windowMillis) {
        recent.pollFirst();
      }
      uploads += recent.size();
    }
    return uploads;
  }

  /**
   * {@code candidates} ordered least loaded first; ties go to a per-key pseudo-random order, so that
   * equally idle holders share the work across keys.
   */
  List<NodeId> rank(List<NodeId> candidates, long keyBits, long now) {
    List<NodeId> ranked = new ArrayList<>(candidates);
    Map<NodeId, Integer> weights = new HashMap<>();
    for (NodeId n : ranked) {
      weights.put(n, weight(n, now));
    }
    ranked.sort(Comparator.<NodeId>comparingInt(weights::get)
        .thenComparing(n -> Rendezvous.score(keyBits, n), Long::compareUnsigned)
        .thenComparing(Comparator.naturalOrder()));
    return ranked;
  }
}
