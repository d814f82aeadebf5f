package dev.potluck.scheduler;

import dev.potluck.protocol.ObjectKey;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The upstream fetches one node runs at once, at most {@code maxRunning}; the rest wait here, and the
 * most wanted (by the demand the node measures: its own clients plus peers waiting on it) starts
 * first as a slot frees, ties in the order they came. A held-back fetch is not lost: if it waits past
 * the lease timeout, its arbiter passes the lease to a waiter that can start at once.
 *
 * <p>Pure and single-threaded, like the {@link Scheduler}.
 */
public final class FetchQueue {

  /** Enough to keep a WAN link busy; about the connections a node keeps per upstream host. */
  public static final int DEFAULT_MAX_RUNNING = 8;

  private final int maxRunning;
  private final Set<ObjectKey> running = new HashSet<>();
  private final Map<ObjectKey, Action.FetchUpstream> waiting = new LinkedHashMap<>();

  public FetchQueue(int maxRunning) {
    if (maxRunning < 1) {
      throw new IllegalArgumentException("at least one upstream fetch must be able to run, got " + maxRunning);
    }
    this.maxRunning = maxRunning;
  }

  /** A fetch to run: it starts now (returned), or waits for a slot (empty). */
  public Optional<Action.FetchUpstream> offer(Action.FetchUpstream fetch) {
    if (running.contains(fetch.key())) {
      return Optional.of(fetch); // taken over again (a new lease for the same fetch): it already has its slot
    }
    if (running.size() < maxRunning) {
      running.add(fetch.key());
      return Optional.of(fetch);
    }
    waiting.put(fetch.key(), fetch);
    return Optional.empty();
  }

  /**
   * The fetch of {@code key} ended (or never will run); returns the waiting fetch to start in its
   * slot, the one with the highest {@code demand}, if any.
   */
  public Optional<Action.FetchUpstream> finished(ObjectKey key, ToIntFunction<ObjectKey> demand) {
    if (waiting.remove(key) != null || !running.remove(key)) {
      return Optional.empty();
    }
    Action.FetchUpstream best = null;
    int bestDemand = Integer.MIN_VALUE;
    for (Iterator<Action.FetchUpstream> it = waiting.values().iterator(); it.hasNext(); ) {
      Action.FetchUpstream candidate = it.next();
      int wanted = demand.applyAsInt(candidate.key());
      if (wanted > bestDemand) {
        best = candidate;
        bestDemand = wanted;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    waiting.remove(best.key());
    running.add(best.key());
    return Optional.of(best);
  }

  public int running() {
    return running.size();
  }

  public int waiting() {
    return waiting.size();
  }
}
