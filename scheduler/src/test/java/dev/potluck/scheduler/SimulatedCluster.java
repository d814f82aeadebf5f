package dev.potluck.scheduler;

import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Many real {@link Scheduler}s on a fake clock, wired by in-memory message delivery, with simulated
 * upstream fetches and peer streams. Deterministic for a given seed: events at the same instant run in
 * the order they were scheduled. Partitions, deaths and view changes are driven by the test.
 *
 * <p>Transfers are modelled at 100 ms steps: upstream at {@code upstreamRate} bytes/s per fetch, peer
 * streams at {@code peerRate} but never ahead of what their source has.
 */
final class SimulatedCluster {

  static final long STEP_MILLIS = 100;

  private record Event(long at, long seq, Runnable task) {}

  /** One simulated host. */
  final class Host {
    final NodeId id;
    final Scheduler scheduler;
    boolean alive = true;
    /** Contiguous bytes of each key this host has (fetched or streamed). */
    final Map<ObjectKey, Long> bytes = new HashMap<>();
    final Set<ObjectKey> complete = new HashSet<>();
    /** Digests this host was told its streams must have (an object completes only once it knows). */
    final Map<ObjectKey, Sha256> expected = new HashMap<>();
    /** The digest each complete object was committed with (what the host would serve and announce). */
    final Map<ObjectKey, Sha256> completedAs = new HashMap<>();
    /** Keys this host fetches upstream; a stream of the same key stops, as in the real node. */
    final Set<ObjectKey> fetchingUpstream = new HashSet<>();
    /** Keys this host takes from holders now; it serves them to others as it receives them. */
    final Set<ObjectKey> takingFromHolders = new HashSet<>();
    /** Active outgoing streams, for fan-out checks. */
    int uploads;
    int maxConcurrentUploads;
    long uploadedBytes;
    Set<NodeId> partition = null;

    Host(NodeId id) {
      this.id = id;
      this.scheduler = new Scheduler(id, config);
    }
  }

  private final SchedulerConfig config;
  private final SplittableRandom random;
  private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) ->
      a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private final Map<NodeId, Host> hosts = new LinkedHashMap<>();
  private final Map<ObjectKey, Long> sizes = new HashMap<>();
  private final Map<ObjectKey, Integer> upstreamFetches = new HashMap<>();
  private final Map<ObjectKey, Long> upstreamBytes = new HashMap<>();
  private final List<String> trace = new ArrayList<>();
  private long now;
  private long seq;
  private long nextRequestId = 1;
  private long messages;
  private long loadMessages;
  final long latencyMillis;
  final long upstreamRate;
  final long peerRate;

  SimulatedCluster(int n, SchedulerConfig config, long seed, long latencyMillis, long upstreamRate, long peerRate) {
    this.config = config;
    this.random = new SplittableRandom(seed);
    this.latencyMillis = latencyMillis;
    this.upstreamRate = upstreamRate;
    this.peerRate = peerRate;
    for (int i = 0; i < n; i++) {
      NodeId id = NodeId.random(new java.util.Random(seed * 31 + i));
      hosts.put(id, new Host(id));
    }
    viewChange(hosts.keySet());
    every(STEP_MILLIS, this::tickAll);
  }

  // ---- what tests drive

  ObjectKey object(String name, long size) {
    ObjectKey key = new ObjectKey(Sha256.of(name).hex());
    sizes.put(key, size);
    return key;
  }

  List<Host> hosts() {
    return new ArrayList<>(hosts.values());
  }

  Host host(int index) {
    return hosts().get(index);
  }

  long now() {
    return now;
  }

  void at(long time, Runnable task) {
    queue.add(new Event(time, seq++, task));
  }

  void request(Host host, ObjectKey key) {
    long id = nextRequestId++;
    trace("request " + short8(host.id) + " " + short8(key.id()) + " #" + id);
    perform(host, host.scheduler.onRequest(now, id, key, url(key)));
  }

  /** Requests {@code key} from each host at a random instant in the next {@code spreadMillis}. */
  void burst(Collection<Host> who, ObjectKey key, long spreadMillis) {
    for (Host h : who) {
      at(now + random.nextLong(spreadMillis + 1), () -> request(h, key));
    }
  }

  /** Makes {@code host} hold {@code key} already, as if fetched long ago, and tells its arbiter. */
  void preload(Host host, ObjectKey key) {
    host.bytes.put(key, sizes.get(key));
    host.complete.add(key);
    perform(host, host.scheduler.onLocalHave(now, key, url(key), sizes.get(key), digest(key)));
  }

  /** {@code kill -9}: the host stops at once; the others see a new view after {@code detectMillis}. */
  void kill(Host host, long detectMillis) {
    trace("kill " + short8(host.id));
    host.alive = false;
    at(now + detectMillis, () -> viewChange(aliveIds()));
  }

  /**
   * {@code kill -9} seen late and unevenly, as on a loaded host: the i-th surviving host installs the
   * new view {@code detectMillis + i * staggerMillis} after the death.
   */
  void killSeenLate(Host host, long detectMillis, long staggerMillis) {
    trace("kill " + short8(host.id));
    host.alive = false;
    List<NodeId> view = aliveIds();
    int i = 0;
    for (Host h : hosts.values()) {
      if (h.alive) {
        long at = now + detectMillis + i++ * staggerMillis;
        at(at, () -> viewChange(view, List.of(h)));
      }
    }
  }

  /** Splits the alive hosts into two groups that cannot talk, each with its own view. */
  void partition(Collection<Host> a, Collection<Host> b) {
    Set<NodeId> ida = ids(a);
    Set<NodeId> idb = ids(b);
    a.forEach(h -> h.partition = ida);
    b.forEach(h -> h.partition = idb);
    viewChange(ida, a);
    viewChange(idb, b);
  }

  void heal() {
    hosts.values().forEach(h -> h.partition = null);
    viewChange(aliveIds());
  }

  void runUntil(long time) {
    while (!queue.isEmpty() && queue.peek().at <= time) {
      Event e = queue.poll();
      now = e.at;
      e.task.run();
    }
    now = time;
  }

  /**
   * A message {@code from} did not decide: it is delivered to {@code to} as if {@code from} sent it, as a
   * rogue member's forgery would be.
   */
  void forge(Host from, NodeId to, Message message) {
    trace(short8(from.id) + " forges " + message.getClass().getSimpleName() + " to " + short8(to));
    deliver(from, to, message);
  }

  /** The digest the objects of this cluster really have. */
  static Sha256 digestOf(ObjectKey key) {
    return digest(key);
  }

  int upstreamFetches(ObjectKey key) {
    return upstreamFetches.getOrDefault(key, 0);
  }

  long upstreamBytes(ObjectKey key) {
    return upstreamBytes.getOrDefault(key, 0L);
  }

  long messages() {
    return messages;
  }

  /** The {@code Load} messages among {@link #messages}. */
  long loadMessages() {
    return loadMessages;
  }

  List<String> trace() {
    return trace;
  }

  // ---- the simulated world

  private void tickAll() {
    for (Host h : hosts.values()) {
      if (h.alive) {
        perform(h, h.scheduler.onTick(now, new Load(h.uploads, 0, 0, 0, 7879, "sim")));
      }
    }
  }

  private void every(long period, Runnable task) {
    at(now + period, () -> {
      task.run();
      every(period, task);
    });
  }

  private void viewChange(Collection<NodeId> members) {
    List<Host> alive = hosts.values().stream().filter(h -> h.alive && members.contains(h.id)).toList();
    viewChange(members, alive);
  }

  private void viewChange(Collection<NodeId> members, Collection<Host> to) {
    List<NodeId> view = List.copyOf(members);
    trace("view " + view.size());
    for (Host h : to) {
      if (h.alive) {
        perform(h, h.scheduler.onViewChanged(now, view));
      }
    }
  }

  private void perform(Host host, List<Action> actions) {
    for (Action action : actions) {
      trace(short8(host.id) + " " + action.getClass().getSimpleName() + " " + describe(action));
      if (action instanceof Action.Send send) {
        deliver(host, send.to(), send.message());
      } else if (action instanceof Action.Broadcast b) {
        for (Host other : hosts.values()) {
          if (!other.id.equals(host.id)) {
            deliver(host, other.id, b.message());
          }
        }
      } else if (action instanceof Action.FetchUpstream f) {
        upstreamFetches.merge(f.key(), 1, Integer::sum);
        // Like the node: resume from the bytes this host really has, whatever the arbiter believed.
        host.bytes.putIfAbsent(f.key(), 0L);
        host.fetchingUpstream.add(f.key());
        fetchStep(host, f.key());
      } else if (action instanceof Action.StreamFromPeers s) {
        streamStep(host, s.requestId(), s.key(), s.sources().get(0), true);
      } else if (action instanceof Action.FetchFromHolders f) {
        fetchFromHolder(host, f, 0);
      } else if (action instanceof Action.ExpectDigest e) {
        host.expected.put(e.key(), e.sha256());
      }
    }
  }

  private void deliver(Host from, NodeId to, Message message) {
    messages++;
    if (message instanceof Load) {
      loadMessages++;
    }
    Host target = hosts.get(to);
    at(now + latencyMillis, () -> {
      if (target.alive && from.alive && reachable(from, target)) {
        perform(target, target.scheduler.onMessage(now, from.id, message));
      }
    });
  }

  private boolean reachable(Host a, Host b) {
    return a.partition == null || a.partition.contains(b.id);
  }

  private void fetchStep(Host host, ObjectKey key) {
    at(now + STEP_MILLIS, () -> {
      if (!host.alive || host.complete.contains(key)) {
        return;
      }
      long size = sizes.get(key);
      long have = host.bytes.getOrDefault(key, 0L);
      long next = Math.min(size, have + upstreamRate * STEP_MILLIS / 1000);
      host.bytes.put(key, next);
      upstreamBytes.merge(key, next - have, Long::sum);
      if (next == size) {
        host.complete.add(key);
        host.completedAs.put(key, digest(key));
        host.fetchingUpstream.remove(key);
        perform(host, host.scheduler.onLocalFetchDone(now, key, url(key), size, digest(key)));
      } else {
        perform(host, host.scheduler.onLocalProgress(now, key, next));
        fetchStep(host, key);
      }
    });
  }

  private void streamStep(Host host, long requestId, ObjectKey key, NodeId sourceId, boolean starting) {
    Host source = hosts.get(sourceId);
    if (starting) {
      source.uploads++;
      source.maxConcurrentUploads = Math.max(source.maxConcurrentUploads, source.uploads);
    }
    at(now + STEP_MILLIS, () -> {
      if (!host.alive) {
        source.uploads--;
        return;
      }
      if (!source.alive || !reachable(host, source)) {
        source.uploads--;
        perform(host, host.scheduler.onLocalStreamFailed(now, requestId, key, url(key)));
        return;
      }
      if (host.complete.contains(key) || host.fetchingUpstream.contains(key)) {
        source.uploads--;
        return;
      }
      long size = sizes.get(key);
      long have = host.bytes.getOrDefault(key, 0L);
      long next = Math.min(source.bytes.getOrDefault(key, 0L), have + peerRate * STEP_MILLIS / 1000);
      next = Math.max(have, next);
      source.uploadedBytes += next - have;
      host.bytes.put(key, next);
      if (next == size && host.expected.containsKey(key)) {
        if (!host.expected.get(key).equals(digest(key))) {
          throw new AssertionError("host " + host.id + " was told a wrong digest for " + key);
        }
        source.uploads--;
        host.complete.add(key);
        host.completedAs.put(key, host.expected.get(key));
        perform(host, host.scheduler.onLocalHave(now, key, url(key), size, digest(key)));
      } else {
        perform(host, host.scheduler.onLocalProgress(now, key, next));
        streamStep(host, requestId, key, sourceId, false);
      }
    });
  }

  private void fetchFromHolder(Host host, Action.FetchFromHolders f, int index) {
    if (index >= f.holders().size()) {
      perform(host, host.scheduler.onLocalSourcesFailed(now, f.requestId(), f.key(), url(f.key())));
      return;
    }
    Host holder = hosts.get(f.holders().get(index));
    host.takingFromHolders.add(f.key());
    if (holder.alive && !holder.complete.contains(f.key()) && holder.takingFromHolders.contains(f.key())) {
      // A relay still receiving it: follow it (coarsely, as a body that arrives once the relay's has).
      at(now + STEP_MILLIS, () -> fetchFromHolder(host, f, index));
      return;
    }
    if (!holder.alive || !holder.complete.contains(f.key())) {
      fetchFromHolder(host, f, index + 1);
      return;
    }
    holder.uploads++;
    holder.maxConcurrentUploads = Math.max(holder.maxConcurrentUploads, holder.uploads);
    long duration = Math.max(STEP_MILLIS, f.size() * 1000 / peerRate);
    at(now + duration, () -> {
      holder.uploads--;
      holder.uploadedBytes += f.size();
      if (host.alive) {
        host.bytes.put(f.key(), f.size());
        host.complete.add(f.key());
        host.completedAs.put(f.key(), f.sha256());
        host.takingFromHolders.remove(f.key());
        perform(host, host.scheduler.onLocalHave(now, f.key(), url(f.key()), f.size(), f.sha256()));
      }
    });
  }

  private List<NodeId> aliveIds() {
    return hosts.values().stream().filter(h -> h.alive).map(h -> h.id).toList();
  }

  private static Set<NodeId> ids(Collection<Host> hs) {
    Set<NodeId> out = new HashSet<>();
    hs.forEach(h -> out.add(h.id));
    return out;
  }

  private static String url(ObjectKey key) {
    return "http://upstream.test/" + key.id() + ".deb";
  }

  private static Sha256 digest(ObjectKey key) {
    return Sha256.of("content of " + key.id());
  }

  private void trace(String line) {
    trace.add(now + " " + line);
  }

  private static String short8(Object o) {
    return o.toString().substring(0, 8);
  }

  private static String describe(Action action) {
    if (action instanceof Action.Send s) {
      return "to " + short8(s.to()) + " " + s.message().getClass().getSimpleName();
    }
    return action.toString().length() > 120 ? action.toString().substring(0, 120) : action.toString();
  }

  void forEachHost(Consumer<Host> c) {
    hosts.values().forEach(c);
  }
}
