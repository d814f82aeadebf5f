package dev.potluck.node;

import dev.potluck.dashboard.CachedObject;
import dev.potluck.dashboard.SavingsHistory;
import dev.potluck.dashboard.SwarmView;
import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.store.FileStore;
import dev.potluck.node.swarm.Swarm;
import dev.potluck.protocol.Message.Activity;
import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The node's state and its cluster's gossip, put together as the dashboard's {@link SwarmView}.
 * Other members are described by what they gossiped; this node by its own figures now. Every member
 * hears every member's {@link Activity} once a second, but a member's {@link Load} only when it joins
 * and when this node arbitrates keys it holds. So a member's uploads and upload rate are counted from
 * the streams the others report receiving from it, its downloads from the streams it reports, and its
 * cache size is shown only while its last load is recent. Confined to the node's context.
 */
final class DashboardFeed {

  private final NodeId self;
  private final String cluster;
  private final Swarm swarm;
  private final LocalCache cache;
  private final FileStore store;
  private final String address;
  private final long startedAtMillis;
  private final Supplier<List<CachedObject>> objects;
  private final SavingsHistory history =
      new SavingsHistory(SavingsHistory.DEFAULT_CAPACITY, SavingsHistory.DEFAULT_INTERVAL_MILLIS);

  /**
   * @param swarm the node's part in its cluster, or null when it runs alone
   * @param address this node's peer API, or null when it has none
   * @param objects the node's objects, as {@code /api/v1/objects} lists them
   */
  DashboardFeed(NodeId self, String cluster, Swarm swarm, LocalCache cache, FileStore store, String address,
      long startedAtMillis, Supplier<List<CachedObject>> objects) {
    this.objects = objects;
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
    List<CachedObject> listed = objects.get();
    int complete = (int) listed.stream().filter(CachedObject::complete).count();
    return new SwarmView(self.hex(), cluster, now, members(reports, now), transfers(reports), objects(listed, reports),
        complete, history.toJson(), totals[0], totals[1]);
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
    Map<NodeId, Load> loads = swarm.loads();
    Map<NodeId, Long> heardAt = swarm.loadsHeardAt();
    Load own = swarm.localLoad();
    Map<NodeId, int[]> uploads = new HashMap<>();
    Map<NodeId, long[]> uploadRates = new HashMap<>();
    reports.forEach((receiver, activity) -> {
      for (Activity.Stream s : activity.streams()) {
        if (s.source() != null) {
          uploads.computeIfAbsent(s.source(), n -> new int[1])[0]++;
          uploadRates.computeIfAbsent(s.source(), n -> new long[1])[0] += s.bytesPerSecond();
        }
      }
    });
    Map<NodeId, String> addresses = swarm.peerAddresses();
    Map<NodeId, String> blocklisted = swarm.blocklisted();
    for (NodeId member : swarm.members()) {
      boolean isSelf = member.equals(self);
      Activity activity = reports.get(member);
      if (isSelf) {
        members.add(new SwarmView.Member(member.hex(), true, address, own.version(),
            activity == null ? null : activity.uptimeSeconds(), own.storedBytes(), own.activeUploads(),
            own.activeDownloads(), own.uploadBytesPerSecond(),
            activity == null ? null : activity.upstreamBytes(),
            activity == null ? null : activity.lanBytes(),
            blocklisted.get(member)));
        continue;
      }
      Load load = loads.get(member);
      Long at = heardAt.get(member);
      boolean recent = load != null && at != null && now - at <= RECENT_LOAD_MILLIS;
      int[] up = uploads.get(member);
      long[] rate = uploadRates.get(member);
      members.add(new SwarmView.Member(member.hex(), false, addresses.get(member),
          load == null ? null : load.version(),
          activity == null ? null : activity.uptimeSeconds(),
          recent ? load.storedBytes() : null,
          activity == null ? null : up == null ? 0 : up[0],
          activity == null ? null : activity.streams().size(),
          activity == null ? null : rate == null ? 0L : rate[0],
          activity == null ? null : activity.upstreamBytes(),
          activity == null ? null : activity.lanBytes(),
          blocklisted.get(member)));
    }
    return members;
  }

  /** How old another member's last load may be for its cache size to be shown. */
  static final long RECENT_LOAD_MILLIS = 10_000;

  private List<SwarmView.Transfer> transfers(Map<NodeId, Activity> reports) {
    List<SwarmView.Transfer> transfers = new ArrayList<>();
    if (swarm == null) {
      for (LocalCache.InFlight f : cache.inFlight()) {
        transfers.add(new SwarmView.Transfer(f.key().id(), f.url(), null, self.hex(), f.received(),
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

  /**
   * This node's complete objects as {@code /api/v1/objects} lists them (most recently used first), with
   * every holder it knows of: itself, those the arbiter knows (when it is this node), and those whose
   * gossip names the object.
   */
  private List<SwarmView.CachedObject> objects(List<CachedObject> listed, Map<NodeId, Activity> reports) {
    Map<String, Set<String>> gossiped = new HashMap<>();
    reports.forEach((node, activity) -> activity.held().forEach(key ->
        gossiped.computeIfAbsent(key.id(), k -> new LinkedHashSet<>()).add(node.hex())));
    List<SwarmView.CachedObject> objects = new ArrayList<>();
    for (CachedObject object : listed) {
      if (!object.complete() || objects.size() == SwarmView.MAX_OBJECTS) {
        continue;
      }
      Set<String> known = new LinkedHashSet<>();
      known.add(self.hex());
      if (object.holders() != null) {
        known.addAll(object.holders());
      }
      known.addAll(gossiped.getOrDefault(object.key(), Set.of()));
      objects.add(new SwarmView.CachedObject(object.key(), object.url(), object.size(), List.copyOf(known)));
    }
    return objects;
  }
}
