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

  void update(NodeId node, Load load) {
    gossiped.put(node, load);
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
