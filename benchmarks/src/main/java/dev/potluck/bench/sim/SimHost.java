package dev.potluck.bench.sim;

import dev.potluck.bench.sim.FlowNetwork.Flow;
import dev.potluck.bench.sim.FlowNetwork.Holding;
import dev.potluck.bench.sim.FlowNetwork.Link;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.Action;
import dev.potluck.scheduler.FetchQueue;
import dev.potluck.scheduler.Scheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One simulated host: a real {@link Scheduler} and {@link FetchQueue}, fed the events the node's
 * {@code Swarm} feeds them, with the same rules for performing their actions — requests and their modes,
 * the upstream fetch queue, trying offered sources in order (skipping peers whose peer API is not known
 * yet from their gossiped load), a stream's digest awaited from the arbiter's announcement. Only the I/O
 * is modelled: bytes move as flows in the {@link Simulation}'s network, messages through its group.
 */
final class SimHost {

  private enum Mode { ASKING, QUEUED, UPSTREAM, STREAM, HOLDERS }

  /** One local miss the scheduler is steering (Swarm's Request plus the cache's flight). */
  static final class Request {
    final long id;
    final ObjectKey key;
    private Mode mode = Mode.ASKING;
    private List<NodeId> sources = List.of();
    private int next;
    NodeId current;
    /** The digest known for the body: from the holders' answer, or announced for a stream. */
    private Sha256 expected;
    private boolean bodyWhole;
    Flow flow;
    private long generation;

    Request(long id, ObjectKey key) {
      this.id = id;
      this.key = key;
    }
  }

  final int index;
  final NodeId id;
  final Scheduler scheduler;
  final Link up;
  final Link down;
  private final Simulation sim;
  private final FetchQueue fetchQueue = new FetchQueue(FetchQueue.DEFAULT_MAX_RUNNING);
  private final Map<Long, Request> requests = new LinkedHashMap<>();
  private final Map<ObjectKey, Request> byKey = new HashMap<>();
  /** What this host has of each object it ever asked for or holds. */
  final Map<ObjectKey, Holding> holdings = new HashMap<>();
  final Set<ObjectKey> stored = new HashSet<>();
  /** The view as the peer directory has it, and the members whose peer port is known from their load. */
  private final Set<NodeId> view = new HashSet<>();
  private final Set<NodeId> ports = new HashSet<>();
  /** Active uploads to peers, and the bytes uploaded by flows that have ended. */
  final List<Flow> uploads = new ArrayList<>();
  double uploadedBytes;
  boolean alive = true;
  private long nextRequestId = 1;

  // The host's package manager: asks for its objects, at most `pipeline` at once.
  private final Deque<ObjectKey> toAsk = new ArrayDeque<>();
  private int asking;
  int wanted;
  int received;
  int clientErrors;
  long arrivedAtMicros = -1;
  long doneAtMicros = -1;

  SimHost(int index, NodeId id, Simulation sim, Scheduler scheduler, Link up, Link down) {
    this.index = index;
    this.id = id;
    this.sim = sim;
    this.scheduler = scheduler;
    this.up = up;
    this.down = down;
  }

  // ---- the client

  void arrive(List<ObjectKey> keys) {
    arrivedAtMicros = sim.nowMicros();
    toAsk.addAll(keys);
    wanted = keys.size();
    if (wanted == 0) {
      doneAtMicros = arrivedAtMicros;
    }
    askMore();
  }

  boolean clientDone() {
    return doneAtMicros >= 0;
  }

  private void askMore() {
    while (alive && asking < sim.settings().pipeline() && !toAsk.isEmpty()) {
      ObjectKey key = toAsk.poll();
      asking++;
      if (stored.contains(key)) {
        clientGot(true);
      } else if (!byKey.containsKey(key)) {
        route(key);
      }
    }
  }

  private void clientGot(boolean ok) {
    asking--;
    if (ok) {
      received++;
    } else {
      clientErrors++;
    }
    if (received + clientErrors == wanted && toAsk.isEmpty()) {
      doneAtMicros = sim.nowMicros();
      sim.clientFinished(this);
    }
    askMore();
  }

  /** Holds {@code key} already, as after an earlier run, and tells its arbiter (as Swarm does on joining). */
  void preload(ObjectKey key, long size) {
    holdings.put(key, new Holding(size, true));
    stored.add(key);
    perform(sim.timed("onLocalHave", () -> scheduler.onLocalHave(sim.nowMillis(), key, sim.url(key), size, sim.digest(key))));
  }

  // ---- Swarm's routing of a miss

  private void route(ObjectKey key) {
    Request request = new Request(nextRequestId++, key);
    requests.put(request.id, request);
    byKey.put(key, request);
    holdings.computeIfAbsent(key, k -> new Holding(sim.size(k), false));
    perform(sim.timed("onRequest", () -> scheduler.onRequest(sim.nowMillis(), request.id, key, sim.url(key))));
  }

  private Request forget(Request request) {
    if (byKey.get(request.key) != request) {
      return null;
    }
    byKey.remove(request.key);
    requests.remove(request.id);
    return request;
  }

  /** The object is whole and verified: stored, announced, and handed to the client. */
  private void stored(Request request) {
    if (forget(request) == null) {
      return;
    }
    stored.add(request.key);
    long size = sim.size(request.key);
    releaseFetchSlot(request);
    boolean upstream = request.mode == Mode.UPSTREAM;
    perform(sim.timed(upstream ? "onLocalFetchDone" : "onLocalHave", () -> upstream
        ? scheduler.onLocalFetchDone(sim.nowMillis(), request.key, sim.url(request.key), size, sim.digest(request.key))
        : scheduler.onLocalHave(sim.nowMillis(), request.key, sim.url(request.key), size, sim.digest(request.key))));
    clientGot(true);
  }

  /** The request ended without a copy (its client gets an error), as Swarm's {@code failed}. */
  private void failed(Request request) {
    if (forget(request) == null) {
      return;
    }
    sim.stopFlow(request);
    releaseFetchSlot(request);
    if (request.mode == Mode.UPSTREAM || request.mode == Mode.QUEUED) {
      perform(sim.timed("onLocalFetchFailed", () -> scheduler.onLocalFetchFailed(sim.nowMillis(), request.key, "digest never announced")));
    } else {
      perform(sim.timed("onLocalGaveUp", () -> scheduler.onLocalGaveUp(sim.nowMillis(), request.id, request.key)));
    }
    clientGot(false);
  }

  void perform(List<Action> actions) {
    for (Action action : actions) {
      if (!alive) {
        return;
      }
      if (action instanceof Action.Send send) {
        sim.send(this, send.to(), send.message());
      } else if (action instanceof Action.Broadcast broadcast) {
        sim.broadcast(this, broadcast.message());
      } else if (action instanceof Action.FetchUpstream fetch) {
        fetchUpstream(fetch);
      } else if (action instanceof Action.StreamFromPeers stream) {
        takeFromPeers(stream.requestId(), Mode.STREAM, stream.sources(), null);
      } else if (action instanceof Action.FetchFromHolders holders) {
        takeFromPeers(holders.requestId(), Mode.HOLDERS, holders.holders(), holders.sha256());
      } else if (action instanceof Action.ExpectDigest expect) {
        expectDigest(expect.key(), expect.sha256());
      }
    }
  }

  private void fetchUpstream(Action.FetchUpstream action) {
    Request request = requests.get(action.requestId());
    if (request == null) {
      perform(sim.timed("onLocalFetchFailed", () -> scheduler.onLocalFetchFailed(sim.nowMillis(), action.key(),
          "the request it was granted for has ended")));
      return;
    }
    request.mode = Mode.QUEUED;
    fetchQueue.offer(action).ifPresent(this::startUpstream);
  }

  private void startUpstream(Action.FetchUpstream action) {
    Request request = requests.get(action.requestId());
    if (request == null || request.mode != Mode.QUEUED) {
      fetchQueue.finished(action.key(), this::demand).ifPresent(this::startUpstream);
      if (request == null) {
        perform(sim.timed("onLocalFetchFailed", () -> scheduler.onLocalFetchFailed(sim.nowMillis(), action.key(),
            "the request it was granted for has ended")));
      }
      return;
    }
    request.mode = Mode.UPSTREAM;
    request.current = null;
    sim.feedFromUpstream(this, request);
  }

  private void releaseFetchSlot(Request request) {
    if (request.mode == Mode.UPSTREAM || request.mode == Mode.QUEUED) {
      fetchQueue.finished(request.key, this::demand).ifPresent(this::startUpstream);
    }
  }

  private void takeFromPeers(long requestId, Mode mode, List<NodeId> sources, Sha256 expected) {
    Request request = requests.get(requestId);
    if (request == null) {
      return;
    }
    releaseFetchSlot(request);
    request.mode = mode;
    request.sources = sources;
    request.next = 0;
    request.expected = expected;
    tryNextSource(request);
  }

  private void tryNextSource(Request request) {
    while (request.next < request.sources.size()) {
      NodeId candidate = request.sources.get(request.next++);
      if (!candidate.equals(id) && view.contains(candidate) && ports.contains(candidate)) {
        request.current = candidate;
        request.generation++;
        sim.feedFromPeer(this, request, candidate);
        return;
      }
    }
    request.current = null;
    Mode mode = request.mode;
    perform(sim.timed(mode == Mode.STREAM ? "onLocalStreamFailed" : "onLocalSourcesFailed", () -> mode == Mode.STREAM
        ? scheduler.onLocalStreamFailed(sim.nowMillis(), request.id, request.key, sim.url(request.key))
        : scheduler.onLocalSourcesFailed(sim.nowMillis(), request.id, request.key, sim.url(request.key))));
  }

  private void expectDigest(ObjectKey key, Sha256 sha256) {
    Request request = byKey.get(key);
    if (request == null) {
      return;
    }
    request.expected = sha256;
    if (request.bodyWhole) {
      stored(request);
    }
  }

  // ---- what the network and the group tell this host

  /** The request's body arrived whole from its current source. */
  void bodyArrived(Request request) {
    if (byKey.get(request.key) != request) {
      return;
    }
    if (request.mode == Mode.UPSTREAM || request.expected != null) {
      stored(request); // upstream: the fetcher computes the digest itself; peers: verified against it
      return;
    }
    request.bodyWhole = true;
    long generation = request.generation;
    sim.after(SimSettings.DIGEST_WAIT_MILLIS * 1000, () -> {
      if (alive && request.bodyWhole && request.generation == generation && byKey.get(request.key) == request) {
        failed(request);
      }
    });
  }

  /** The current peer source of {@code request} failed (refused, nothing to offer, or died mid-body). */
  void sourceFailed(Request request, NodeId source) {
    if (!alive || byKey.get(request.key) != request || !source.equals(request.current)) {
      return;
    }
    tryNextSource(request);
  }

  void onView(List<NodeId> members) {
    view.clear();
    view.addAll(members);
    ports.retainAll(view);
    perform(sim.timed("onViewChanged", () -> scheduler.onViewChanged(sim.nowMillis(), members)));
  }

  /** A message other than load gossip (see {@link #portHeard}); the caller times the scheduler. */
  void onMessage(NodeId from, Message message) {
    perform(sim.timed("onMessage " + message.getClass().getSimpleName(), () -> scheduler.onMessage(sim.nowMillis(), from, message)));
  }

  /** A member's gossiped load tells this host where its peer API is (Swarm's {@code peers.port}). */
  void portHeard(NodeId from) {
    if (view.contains(from)) {
      ports.add(from);
    }
  }

  /** Swarm's tick: progress of each transfer to its arbiter, then time and load to the scheduler. */
  void tick() {
    long now = sim.nowMillis();
    for (Request request : new ArrayList<>(requests.values())) {
      long bytes = receivedBytes(request);
      if (request.mode != Mode.ASKING && bytes > 0 && byKey.get(request.key) == request) {
        perform(sim.timed("onLocalProgress", () -> scheduler.onLocalProgress(now, request.key, bytes)));
      }
    }
    Message.Load load = load();
    perform(sim.timed("onTick", () -> scheduler.onTick(now, load)));
  }

  private long receivedBytes(Request request) {
    Holding h = holdings.get(request.key);
    return h == null ? 0 : (long) h.bytesAt(sim.nowSeconds());
  }

  private Message.Load load() {
    double rate = 0;
    for (Flow f : uploads) {
      rate += f.rate;
    }
    long used = 0;
    for (ObjectKey key : stored) {
      used += sim.size(key);
    }
    return new Message.Load(uploads.size(), (long) rate, requests.size(), used, 7879, "sim");
  }

  /** LocalCache's demand: the host's own client plus the peers streaming the object from it. */
  private int demand(ObjectKey key) {
    if (!byKey.containsKey(key)) {
      return 0;
    }
    int peers = 0;
    for (Flow f : uploads) {
      if (f.source == holdings.get(key)) {
        peers++;
      }
    }
    return 1 + peers;
  }

  /** Whether a peer asking for {@code key} gets something: a stored copy or a flight under way. */
  boolean canServe(ObjectKey key) {
    return stored.contains(key) || byKey.containsKey(key);
  }

  /** The host died ({@code kill -9}): its requests and client are gone. */
  void die() {
    alive = false;
    requests.clear();
    byKey.clear();
  }
}
