package dev.potluck.node;

import dev.potluck.dashboard.SavingsHistory;
import dev.potluck.dashboard.SwarmView;
import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.swarm.Swarm;
import dev.potluck.protocol.Message.Activity;
import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The node's state and its cluster's gossip, put together as the dashboard's {@link SwarmView}.
 * Other members are described by what they gossiped (their {@link Load} and {@link Activity}); this
 * node by its own figures now. Confined to the node's context.
 */
final class DashboardFeed {

  private final NodeId self;
  private final String cluster;
  private final Swarm swarm;
  private final LocalCache cache;
  private final FileStore store;
  private final String address;
  private final long startedAtMillis;
  private final SavingsHistory history =
      new SavingsHistory(SavingsHistory.DEFAULT_CAPACITY, SavingsHistory.DEFAULT_INTERVAL_MILLIS);

  /**
   * @param swarm the node's part in its cluster, or null when it runs alone
   * @param address this node's peer API, or null when it has none
   */
  DashboardFeed(NodeId self, String cluster, Swarm swarm, LocalCache cache, FileStore store, String address,
      long startedAtMillis) {
    this.self = self;
    this.cluster = cluster;
    this.swarm = swarm;
    this.cache = cache;
    this.store = store;
    this.address = address;
    this.startedAtMillis = startedAtMillis;
  }

  /** Adds the cluster's running totals to the savings history (at most once a second). */
  void sample(long now) {
    long[] totals = totals(reports(now));
    history.record(now, totals[0], totals[1]);
  }

  SwarmView view(long now) {
    Map<NodeId, Activity> reports = reports(now);
    long[] totals = totals(reports);
    history.record(now, totals[0], totals[1]);
    return new SwarmView(self.hex(), cluster, now, members(reports, now), transfers(reports), objects(reports),
        store.stats().objects(), history.toJson(), totals[0], totals[1]);
  }

  /** Every member's last activity report, this node's taken now. */
  private Map<NodeId, Activity> reports(long now) {
    Map<NodeId, Activity> reports = new HashMap<>();
    if (swarm != null) {
      reports.putAll(swarm.activities());
      reports.put(self, swarm.activity());
    }
    return reports;
  }

  /** Bytes from upstream and from the LAN, summed over the members that reported. */
  private long[] totals(Map<NodeId, Activity> reports) {
    if (swarm == null) {
      return new long[] {cache.counters().upstreamBytes(), cache.counters().peerBytes()};
    }
    long upstream = 0;
    long lan = 0;
    for (Activity a : reports.values()) {
      upstream += a.upstreamBytes();
      lan += a.lanBytes();
    }
    return new long[] {upstream, lan};
  }

  private List<SwarmView.Member> members(Map<NodeId, Activity> reports, long now) {
    List<SwarmView.Member> members = new ArrayList<>();
    if (swarm == null) {
      members.add(new SwarmView.Member(self.hex(), true, address, Version.current(),
          (now - startedAtMillis) / 1000, store.stats().usedBytes(), 0, cache.activeFetches(), 0L,
          cache.counters().upstreamBytes(), cache.counters().peerBytes()));
      return members;
    }
    Map<NodeId, Load> loads = new HashMap<>(swarm.loads());
    loads.put(self, swarm.localLoad());
    Map<NodeId, String> addresses = swarm.peerAddresses();
    for (NodeId member : swarm.members()) {
      boolean isSelf = member.equals(self);
      Load load = loads.get(member);
      Activity activity = reports.get(member);
      members.add(new SwarmView.Member(member.hex(), isSelf, isSelf ? address : addresses.get(member),
          load == null ? null : load.version(),
          activity == null ? null : activity.uptimeSeconds(),
          load == null ? null : load.storedBytes(),
          load == null ? null : load.activeUploads(),
          load == null ? null : load.activeDownloads(),
          load == null ? null : load.uploadBytesPerSecond(),
          activity == null ? null : activity.upstreamBytes(),
          activity == null ? null : activity.lanBytes()));
    }
    return members;
  }

  private List<SwarmView.Transfer> transfers(Map<NodeId, Activity> reports) {
    List<SwarmView.Transfer> transfers = new ArrayList<>();
    if (swarm == null) {
      for (LocalCache.InFlight f : cache.inFlight()) {
        transfers.add(new SwarmView.Transfer(f.key().id(), f.url().toString(), null, self.hex(), f.received(),
            f.length(), 0));
      }
      return transfers;
    }
    for (NodeId member : swarm.members()) {
      Activity activity = reports.get(member);
      if (activity == null) {
        continue;
      }
      for (Activity.Stream s : activity.streams()) {
        transfers.add(new SwarmView.Transfer(s.key().id(), s.name(), s.source() == null ? null : s.source().hex(),
            member.hex(), s.bytes(), s.size(), s.bytesPerSecond()));
      }
    }
    return transfers;
  }

  /** This node's objects, most recently used first, with every holder it knows of. */
  private List<SwarmView.CachedObject> objects(Map<NodeId, Activity> reports) {
    Map<ObjectKey, Set<NodeId>> holders = new HashMap<>();
    if (swarm != null) {
      swarm.arbitratedHolders().forEach((key, nodes) -> holders.computeIfAbsent(key, k -> new LinkedHashSet<>())
          .addAll(nodes));
      reports.forEach((node, activity) -> activity.held().forEach(key ->
          holders.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(node)));
    }
    List<StoredObject> stored = store.list();
    List<SwarmView.CachedObject> objects = new ArrayList<>();
    for (int i = stored.size() - 1; i >= 0 && objects.size() < SwarmView.MAX_OBJECTS; i--) {
      StoredObject object = stored.get(i);
      List<String> known = new ArrayList<>();
      known.add(self.hex());
      for (NodeId node : holders.getOrDefault(object.key(), Set.of())) {
        if (!node.equals(self)) {
          known.add(node.hex());
        }
      }
      objects.add(new SwarmView.CachedObject(object.key().id(), object.meta().url(), object.size(), known));
    }
    return objects;
  }
}
