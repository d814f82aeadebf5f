package dev.potluck.bench.sim;

import dev.potluck.bench.sim.FlowNetwork.Flow;
import dev.potluck.bench.sim.FlowNetwork.Holding;
import dev.potluck.bench.sim.FlowNetwork.Link;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.Action;
import dev.potluck.scheduler.Scheduler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A LAN of simulated hosts, each running the real scheduler (see {@link SimHost}), on a virtual clock.
 *
 * <p>The world it models: one WAN link shared by every upstream fetch; each host's LAN port, up and down,
 * shared by its peer streams; control messages delivered after a fixed latency, in the order sent; the
 * group's view installed on every member after that latency, and, when a host dies, a view without it
 * after the failure detector's delay. Bytes move as flows, max-min fair ({@link FlowNetwork}); a
 * connection's setup time and control traffic's bandwidth are left out.
 *
 * <p>Deterministic for a seed: node ids, tick phases, arrivals and subsets come from it, and events at
 * one instant run in the order they were scheduled. Only the CPU time measured inside the scheduler's
 * calls varies from run to run.
 */
final class Simulation {

  /** Which transfer a flow is: {@code from} null for upstream. */
  private record Transfer(SimHost to, SimHost.Request request, SimHost from, ObjectKey key) {}

  private final SimSettings settings;
  private final EventQueue queue = new EventQueue();
  private final FlowNetwork network;
  private final Link wan;
  private final List<SimHost> hosts = new ArrayList<>();
  private final Map<NodeId, SimHost> byId = new HashMap<>();
  private final List<ObjectKey> keys = new ArrayList<>();
  private final Map<ObjectKey, Long> sizes = new HashMap<>();
  private final Map<ObjectKey, Holding> upstream = new HashMap<>();
  private final Map<ObjectKey, Integer> keyIndex = new HashMap<>();
  private final SplittableRandom random;
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

  /** One in this many scheduler calls (or multicast deliveries) has its CPU time measured. */
  static final int CPU_SAMPLE_ONE_IN = 16;

  /** Calls of one kind, and the CPU time of the sampled ones. */
  static final class CallStats {
    long calls;
    long sampledCalls;
    long sampledNanos;

    double microsPerCall() {
      return sampledCalls == 0 ? Double.NaN : sampledNanos / 1e3 / sampledCalls;
    }
  }

  private boolean measuring;
  private final Map<String, CallStats> callStats = new TreeMap<>();
  /** Apart from the simulation's own random, so that sampling never changes what is simulated. */
  private final SplittableRandom sampler = new SplittableRandom(0x5eed);
  private long sent;
  private long deliveries;
  private long loadDeliveries;
  private final Map<String, Long> sentByType = new TreeMap<>();
  private double upstreamBytes;
  private final Map<ObjectKey, Integer> upstreamStarts = new HashMap<>();
  private final Set<ObjectKey> requested = new LinkedHashSet<>();
  private int clientsPending;
  private long startMicros;
  private long endMicros = -1;
  private long networkGeneration;
  private final List<SimHost> killed = new ArrayList<>();

  Simulation(SimSettings settings) {
    this.settings = settings;
    this.random = new SplittableRandom(settings.seed());
    this.network = new FlowNetwork(2 * settings.nodes() + 1);
    this.wan = network.link("wan", settings.wanBytesPerSecond());
    for (int i = 0; i < settings.sizes().size(); i++) {
      ObjectKey key = new ObjectKey(Sha256.of("potluck sim object " + i + " seed " + settings.seed()).hex());
      keys.add(key);
      sizes.put(key, settings.sizes().get(i));
      keyIndex.put(key, i);
      upstream.put(key, new Holding(settings.sizes().get(i), true));
    }
    SplittableRandom ids = random.split();
    for (int i = 0; i < settings.nodes(); i++) {
      NodeId id = NodeId.random(ids);
      SimHost host = new SimHost(i, id, this, new Scheduler(id, settings.scheduler()),
          network.link("h" + i + "-up", settings.lanBytesPerSecond()),
          network.link("h" + i + "-down", settings.lanBytesPerSecond()));
      hosts.add(host);
      byId.put(id, host);
    }
  }

  /** Runs the workload until every surviving client has its objects, or the time bound. */
  SimResult run() {
    long wallStart = System.nanoTime();
    long cpuStart = threads.getCurrentThreadCpuTime();
    List<NodeId> view = hosts.stream().map(h -> h.id).toList();
    for (SimHost h : hosts) {
      queue.at(settings.latencyMicros(), () -> h.onView(view));
      long phase = random.nextLong(SimSettings.TICK_MILLIS * 1000);
      every(phase, SimSettings.TICK_MILLIS * 1000, h);
    }
    startMicros = SimSettings.FORMING_MILLIS * 1000;
    queue.at(startMicros, () -> measuring = true); // before the arrivals at the same instant
    plan();
    long deadline = startMicros + settings.maxSimMillis() * 1000;
    while (endMicros < 0 && !queue.isEmpty() && queue.nextAt() <= deadline) {
      if (network.dirty()) {
        scheduleNetworkEvent();
      }
      queue.runNext();
    }
    long wallNanos = System.nanoTime() - wallStart;
    long runCpu = threads.getCurrentThreadCpuTime() - cpuStart;
    return result(wallNanos, runCpu);
  }

  // ---- the workload

  private void plan() {
    SplittableRandom arrivals = random.split();
    Workload w = settings.workload();
    if (w == Workload.WARM) {
      SimHost holder = hosts.get(0);
      queue.at(startMicros / 2, () -> keys.forEach(k -> holder.preload(k, sizes.get(k))));
    }
    for (SimHost h : hosts) {
      if (w == Workload.WARM && h.index == 0) {
        continue;
      }
      List<ObjectKey> wants = new ArrayList<>(keys);
      if (w == Workload.OVERLAP) {
        wants.removeIf(k -> arrivals.nextBoolean());
        if (wants.isEmpty()) {
          wants.add(keys.get(arrivals.nextInt(keys.size())));
        }
      }
      long at = startMicros;
      if (w == Workload.STAGGERED) {
        at += arrivals.nextLong(settings.staggerMillis() * 1000 + 1);
      }
      requested.addAll(wants);
      clientsPending++;
      queue.at(at, () -> h.arrive(wants));
    }
    if (w == Workload.FAILURE) {
      watchForVictim();
    }
  }

  /** Kills the host fetching the largest object upstream once it has half of it. */
  private void watchForVictim() {
    ObjectKey largest = keys.get(0);
    for (ObjectKey k : keys) {
      if (sizes.get(k) > sizes.get(largest)) {
        largest = k;
      }
    }
    ObjectKey target = largest;
    Runnable[] check = new Runnable[1];
    check[0] = () -> {
      for (Flow f : new ArrayList<>(network.flows())) {
        Transfer t = (Transfer) f.tag;
        if (t.from() == null && t.key().equals(target) && f.positionAt(nowSeconds()) >= sizes.get(target) / 2.0) {
          kill(t.to());
          return;
        }
      }
      if (endMicros < 0) {
        queue.after(10_000, check[0]);
      }
    };
    queue.at(startMicros, check[0]);
  }

  private void kill(SimHost host) {
    killed.add(host);
    for (Flow f : new ArrayList<>(network.flows())) {
      Transfer t = (Transfer) f.tag;
      if (t.to() == host || t.from() == host) {
        stop(f);
        t.request().flow = null;
        if (t.from() == host && t.to().alive) {
          // The dead process's connections are reset at once.
          queue.after(0, () -> t.to().sourceFailed(t.request(), host.id));
        }
      }
    }
    host.die();
    if (!host.clientDone()) {
      clientFinished(host);
    }
    queue.after(settings.failureDetectMillis() * 1000, () -> {
      List<NodeId> view = hosts.stream().filter(h -> h.alive).map(h -> h.id).toList();
      for (SimHost h : hosts) {
        if (h.alive) {
          queue.after(settings.latencyMicros(), () -> {
            if (h.alive) {
              h.onView(view);
            }
          });
        }
      }
    });
  }

  void clientFinished(SimHost host) {
    if (--clientsPending == 0) {
      endMicros = queue.now();
    }
  }

  private void every(long firstMicros, long periodMicros, SimHost host) {
    queue.at(firstMicros, () -> {
      if (host.alive) {
        host.tick();
        every(queue.now() + periodMicros, periodMicros, host);
      }
    });
  }

  // ---- services for hosts: time, the group, the network

  SimSettings settings() {
    return settings;
  }

  long nowMicros() {
    return queue.now();
  }

  long nowMillis() {
    return queue.nowMillis();
  }

  double nowSeconds() {
    return queue.now() / 1e6;
  }

  void after(long micros, Runnable task) {
    queue.after(micros, task);
  }

  long size(ObjectKey key) {
    return sizes.get(key);
  }

  String url(ObjectKey key) {
    return "http://deb.example/debian/pool/main/o/obj" + keyIndex.get(key) + "/obj" + keyIndex.get(key) + "_1.0_amd64.deb";
  }

  Sha256 digest(ObjectKey key) {
    return Sha256.of("content of " + key.id());
  }

  /**
   * Calls the scheduler; once the workload has started, counts the call under {@code kind}, and for a
   * random one in {@value #CPU_SAMPLE_ONE_IN} calls measures the thread CPU time spent inside it (reading
   * the thread's CPU clock costs about as much as a cheap call, so timing every call would double the
   * run and blur the figure).
   */
  List<Action> timed(String kind, Supplier<List<Action>> call) {
    if (!measuring) {
      return call.get();
    }
    CallStats stats = callStats.computeIfAbsent(kind, k -> new CallStats());
    stats.calls++;
    if (sampler.nextInt(CPU_SAMPLE_ONE_IN) != 0) {
      return call.get();
    }
    long before = threads.getCurrentThreadCpuTime();
    List<Action> actions = call.get();
    stats.sampledNanos += threads.getCurrentThreadCpuTime() - before;
    stats.sampledCalls++;
    return actions;
  }

  void send(SimHost from, NodeId to, Message message) {
    count(message, 1);
    SimHost target = byId.get(to);
    queue.after(settings.latencyMicros(), () -> {
      if (target != null && target.alive) {
        if (message instanceof Message.Load) {
          target.portHeard(from.id);
        }
        target.onMessage(from.id, message);
      }
    });
  }

  /**
   * One multicast to the sender's view, delivered to every other member at once after the latency. The
   * scheduler calls of a delivery are timed together (one clock read per delivery, not per member).
   */
  void broadcast(SimHost from, Message message) {
    List<NodeId> members = from.scheduler.members();
    count(message, members.size() - 1);
    queue.after(settings.latencyMicros(), () -> {
      List<SimHost> to = new ArrayList<>(members.size());
      for (NodeId m : members) {
        SimHost h = byId.get(m);
        if (h != null && h.alive && h != from) {
          to.add(h);
        }
      }
      List<List<Action>> answers = new ArrayList<>(to.size());
      long now = nowMillis();
      for (SimHost h : to) {
        if (message instanceof Message.Load) {
          h.portHeard(from.id);
        }
      }
      CallStats stats = measuring
          ? callStats.computeIfAbsent("onMessage " + message.getClass().getSimpleName(), k -> new CallStats()) : null;
      boolean sample = stats != null && sampler.nextInt(CPU_SAMPLE_ONE_IN) == 0;
      long before = sample ? threads.getCurrentThreadCpuTime() : 0;
      for (SimHost h : to) {
        answers.add(h.scheduler.onMessage(now, from.id, message));
      }
      if (stats != null) {
        stats.calls += to.size();
        if (sample) {
          stats.sampledNanos += threads.getCurrentThreadCpuTime() - before;
          stats.sampledCalls += to.size();
        }
      }
      for (int i = 0; i < to.size(); i++) {
        if (!answers.get(i).isEmpty()) {
          to.get(i).perform(answers.get(i));
        }
      }
    });
  }

  private void count(Message message, int recipients) {
    if (!measuring) {
      return;
    }
    sent++;
    deliveries += recipients;
    if (message instanceof Message.Load) {
      loadDeliveries += recipients;
    }
    sentByType.merge(message.getClass().getSimpleName(), 1L, Long::sum);
  }

  /** Starts {@code request}'s upstream fetch, resuming from the bytes the host has (a Range request). */
  void feedFromUpstream(SimHost host, SimHost.Request request) {
    stopFlow(request);
    Holding holding = host.holdings.get(request.key);
    upstreamStarts.merge(request.key, 1, Integer::sum);
    if (holding.whole) {
      queue.after(0, () -> host.bodyArrived(request));
      return;
    }
    Flow flow = network.start(nowSeconds(), upstream.get(request.key), holding, wan, host.down);
    flow.tag = new Transfer(host, request, null, request.key);
    request.flow = flow;
  }

  /**
   * Streams {@code request}'s object from {@code sourceId}'s copy or flight. A dead peer, or one with
   * nothing of the object, fails after a round trip.
   */
  void feedFromPeer(SimHost host, SimHost.Request request, NodeId sourceId) {
    stopFlow(request);
    SimHost source = byId.get(sourceId);
    if (source == null || !source.alive || !source.canServe(request.key)) {
      queue.after(2 * settings.latencyMicros(), () -> host.sourceFailed(request, sourceId));
      return;
    }
    Holding holding = host.holdings.get(request.key);
    if (holding.whole) {
      queue.after(0, () -> host.bodyArrived(request));
      return;
    }
    Flow flow = network.start(nowSeconds(), source.holdings.get(request.key), holding, source.up, host.down);
    flow.tag = new Transfer(host, request, source, request.key);
    request.flow = flow;
    source.uploads.add(flow);
  }

  /** Stops the request's flow, if any: the host keeps the bytes it has. */
  void stopFlow(SimHost.Request request) {
    if (request.flow != null && request.flow.active) {
      stop(request.flow);
    }
    request.flow = null;
  }

  private void stop(Flow flow) {
    network.stop(nowSeconds(), flow);
    account(flow);
  }

  private void account(Flow flow) {
    Transfer t = (Transfer) flow.tag;
    double moved = network.moved(flow, nowSeconds());
    if (t.from() == null) {
      upstreamBytes += moved;
    } else {
      t.from().uploadedBytes += moved;
      t.from().uploads.remove(flow);
    }
  }

  private void scheduleNetworkEvent() {
    double now = nowSeconds();
    network.recompute(now);
    double in = network.nextEventIn(now);
    long generation = ++networkGeneration;
    if (in == Double.POSITIVE_INFINITY) {
      return;
    }
    long at = queue.now() + Math.max(1, (long) Math.ceil(in * 1e6));
    queue.at(at, () -> {
      if (generation == networkGeneration) {
        networkEvent();
      }
    });
  }

  private void networkEvent() {
    network.markDirty(); // a flow ended or caught up with its source: rates change
    for (Flow f : network.finishAt(nowSeconds())) {
      account(f);
      Transfer t = (Transfer) f.tag;
      if (t.request().flow == f) {
        t.request().flow = null;
      }
      t.to().bodyArrived(t.request());
    }
  }

  // ---- the figures

  private SimResult result(long wallNanos, long runCpuNanos) {
    double now = nowSeconds();
    for (Flow f : new ArrayList<>(network.flows())) {
      Transfer t = (Transfer) f.tag;
      double moved = network.moved(f, now);
      if (t.from() == null) {
        upstreamBytes += moved;
      } else {
        t.from().uploadedBytes += moved;
      }
    }
    long unique = requested.stream().mapToLong(sizes::get).sum();
    int missing = 0;
    int survivors = 0;
    long lastDone = startMicros;
    int errors = 0;
    for (SimHost h : hosts) {
      if (!h.alive || h.wanted == 0) {
        continue;
      }
      survivors++;
      missing += h.wanted - h.received;
      errors += h.clientErrors;
      lastDone = Math.max(lastDone, h.doneAtMicros >= 0 ? h.doneAtMicros : queue.now());
    }
    double totalUpload = 0;
    double maxUpload = 0;
    for (SimHost h : hosts) {
      totalUpload += h.uploadedBytes;
      maxUpload = Math.max(maxUpload, h.uploadedBytes);
    }
    int twice = 0;
    for (int n : upstreamStarts.values()) {
      if (n > 1) {
        twice++;
      }
    }
    long requests = 0;
    for (SimHost h : hosts) {
      requests += h.wanted;
    }
    long decisions = 0;
    for (SimHost h : hosts) {
      decisions += h.scheduler.decisions();
    }
    Map<String, Long> byType = new LinkedHashMap<>(sentByType);
    long calls = 0;
    long sampledCalls = 0;
    long sampledNanos = 0;
    Map<String, SimResult.Calls> byKind = new LinkedHashMap<>();
    for (Map.Entry<String, CallStats> e : callStats.entrySet()) {
      CallStats c = e.getValue();
      calls += c.calls;
      sampledCalls += c.sampledCalls;
      sampledNanos += c.sampledNanos;
      byKind.put(e.getKey(), new SimResult.Calls(c.calls, c.sampledCalls, c.microsPerCall()));
    }
    double microsPerCall = sampledCalls == 0 ? Double.NaN : sampledNanos / 1e3 / sampledCalls;
    return new SimResult(settings, endMicros >= 0, survivors, missing, errors, killed.size(), unique, upstreamBytes,
        (lastDone - startMicros) / 1e6, unique / settings.wanBytesPerSecond(), maxUpload, totalUpload / hosts.size(),
        sent, deliveries, loadDeliveries, requests, byType, calls, microsPerCall, byKind, decisions, twice, queue.ran(), network.recomputations(),
        wallNanos / 1e9, runCpuNanos / 1e9, (queue.now() - startMicros) / 1e6);
  }

  // ---- for tests

  List<SimHost> hosts() {
    return hosts;
  }

  List<ObjectKey> keys() {
    return keys;
  }

  int upstreamStarts(ObjectKey key) {
    return upstreamStarts.getOrDefault(key, 0);
  }
}
