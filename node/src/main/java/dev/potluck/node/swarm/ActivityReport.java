package dev.potluck.node.swarm;

import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.StoredObject;
import dev.potluck.protocol.Message.Activity;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds this node's {@link Activity}: what it receives now and from whom, what it holds, and its
 * running totals. Confined to the node's context.
 */
final class ActivityReport {

  /** Where a routed fetch's bytes come from now. */
  interface Sources {
    /** Whether the cluster has chosen a source for {@code key} yet. */
    boolean decided(ObjectKey key);

    /** The peer {@code key} streams from, or null when it comes from upstream. */
    NodeId peerOf(ObjectKey key);
  }

  private final LocalCache cache;
  private final FileStore store;
  private final long startedAtMillis;
  private final StreamRates rates = new StreamRates();
  /** False for a node run with --no-share: what it holds is nobody's business. */
  private final boolean shares;

  ActivityReport(LocalCache cache, FileStore store, long startedAtMillis, boolean shares) {
    this.shares = shares;
    this.cache = cache;
    this.store = store;
    this.startedAtMillis = startedAtMillis;
  }

  Activity build(long now, Sources sources) {
    List<Activity.Stream> streams = new ArrayList<>();
    Set<ObjectKey> seen = new HashSet<>();
    for (LocalCache.InFlight f : cache.inFlight()) {
      seen.add(f.key());
      long rate = rates.update(f.key(), f.received(), f.startedAtMillis(), now);
      if (streams.size() == Activity.MAX_STREAMS || (f.routed() && !sources.decided(f.key()))) {
        continue;
      }
      NodeId source = f.routed() ? sources.peerOf(f.key()) : null;
      streams.add(new Activity.Stream(f.key(), name(f.url()), source, f.received(), f.length(), rate));
    }
    rates.retain(seen);
    return new Activity(Math.max(0, (now - startedAtMillis) / 1000), cache.counters().upstreamBytes(),
        cache.counters().peerBytes(), streams, shares ? held() : List.of());
  }

  /** The most recently used objects, first. */
  private List<ObjectKey> held() {
    List<StoredObject> all = store.list();
    List<ObjectKey> recent = new ArrayList<>(Activity.MAX_HELD);
    for (int i = all.size() - 1; i >= 0 && recent.size() < Activity.MAX_HELD; i--) {
      recent.add(all.get(i).key());
    }
    return recent;
  }

  /** The URL's last path segment (what people call a file), cut to what a report may carry. */
  static String name(String url) {
    String path = url;
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    while (path.endsWith("/") && path.length() > 1) {
      path = path.substring(0, path.length() - 1);
    }
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.isEmpty()) {
      name = path;
    }
    int max = Activity.Stream.MAX_NAME_LENGTH;
    if (name.length() > max) {
      int cut = max - 1;
      if (Character.isHighSurrogate(name.charAt(cut - 1))) {
        cut--;
      }
      name = name.substring(0, cut) + "…";
    }
    return name;
  }
}
