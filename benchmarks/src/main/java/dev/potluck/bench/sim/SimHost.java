package dev.potluck.bench.sim;

import dev.potluck.bench.sim.FlowNetwork.Flow;
import dev.potluck.bench.sim.FlowNetwork.Holding;
import dev.potluck.bench.sim.FlowNetwork.Link;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.scheduler.Action;
import dev.potluck.scheduler.FetchQueue;
import dev.potluck.scheduler.Scheduler;
import dev.potluck.scheduler.Steer;
import dev.potluck.scheduler.Steering;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One simulated host: a real {@link Scheduler} and the node's {@link Steering}, fed the events the
 * node's {@code Swarm} feeds them, performing their actions and steers as Swarm does — trying offered
 * sources in order, skipping peers whose peer API is not known yet from their gossiped load — and a
 * stream's digest awaited from the arbiter's announcement. Only the I/O is modelled: bytes move as flows
 * in the {@link Simulation}'s network, messages through its group, timers on its clock.
 */
final class SimHost {

  /** One local miss's transfer (the cache's flight): the handle steering steers. */
  static final class Request {
    final ObjectKey key;
    Flow flow;

    Request(ObjectKey key) {
      this.key = key;
    }
  }

  final int index;
  final NodeId id;
  final Scheduler scheduler;
  final Link up;
  final Link down;
  private final Simulation sim;
  private final Steering<Request> steering;
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
    this.steering = new Steering<>(r -> r.key, r -> false, this::usable, this::demand, FetchQueue.DEFAULT_MAX_RUNNING,
        this::steer);
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
      } else if (!steering.steers(key)) {
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
    Request request = new Request(key);
    long id = steering.start(request);
    holdings.computeIfAbsent(key, k -> new Holding(sim.size(k), false));
    perform(sim.timed("onRequest", () -> scheduler.onRequest(sim.nowMillis(), id, key, sim.url(key))));
  }

  /** The object is whole and verified: stored, announced, and handed to the client. */
  private void stored(Request request) {
    if (!steering.steers(request)) {
      return;
    }
    stored.add(request.key);
    steering.stored(request, sim.size(request.key), sim.digest(request.key));
    clientGot(true);
  }

  /** The request ended without a copy (its client gets an error), as Swarm's {@code failed}. */
  private void failed(Request request) {
    if (!steering.steers(request)) {
      return;
    }
    sim.stopFlow(request);
    steering.failed(request, "digest never announced");
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
        steering.upstreamGranted(fetch);
      } else if (action instanceof Action.StreamFromPeers stream) {
        steering.streamFrom(stream);
      } else if (action instanceof Action.FetchFromHolders holders) {
        steering.takeFromHolders(holders);
      } else if (action instanceof Action.ExpectDigest expect) {
        steering.digestAnnounced(expect.key(), expect.sha256());
      }
    }
  }

  /** Performs what steering decided, as Swarm does, on the simulated network and clock. */
  private void steer(Steer<Request> step) {
    if (step instanceof Steer.FromPeer<Request> peer) {
      sim.feedFromPeer(this, peer.fetch(), peer.peer());
    } else if (step instanceof Steer.FromUpstream<Request> upstream) {
      sim.feedFromUpstream(this, upstream.fetch());
    } else if (step instanceof Steer.RetryLater<Request> retry) {
      sim.after(retry.millis() * 1000, () -> {
        if (alive) {
          steering.retry(retry.requestId());
        }
      });
    } else if (step instanceof Steer.AwaitDigest<Request> await) {
      sim.after(await.millis() * 1000, () -> {
        if (alive) {
          steering.digestOverdue(await.fetch(), await.attempt());
        }
      });
    } else if (step instanceof Steer.Complete<Request> complete) {
      stored(complete.fetch());
    } else if (step instanceof Steer.Abandon<Request> abandon) {
      failed(abandon.fetch());
    } else {
      tell(step);
    }
  }

  /** Reports a request's outcome to the scheduler, timed under the call's name. */
  private void tell(Steer<Request> step) {
    long now = sim.nowMillis();
    if (step instanceof Steer.TellSourcesFailed<Request> failed) {
      String url = sim.url(failed.key());
      perform(sim.timed(failed.streaming() ? "onLocalStreamFailed" : "onLocalSourcesFailed", () -> failed.streaming()
          ? scheduler.onLocalStreamFailed(now, failed.requestId(), failed.key(), url)
          : scheduler.onLocalSourcesFailed(now, failed.requestId(), failed.key(), url)));
    } else if (step instanceof Steer.TellFetchFailed<Request> failed) {
      perform(sim.timed("onLocalFetchFailed", () -> scheduler.onLocalFetchFailed(now, failed.key(), failed.reason())));
    } else if (step instanceof Steer.TellGaveUp<Request> gaveUp) {
      perform(sim.timed("onLocalGaveUp", () -> scheduler.onLocalGaveUp(now, gaveUp.requestId(), gaveUp.key())));
    } else if (step instanceof Steer.TellHave<Request> have) {
      String url = sim.url(have.key());
      perform(sim.timed(have.upstream() ? "onLocalFetchDone" : "onLocalHave", () -> have.upstream()
          ? scheduler.onLocalFetchDone(now, have.key(), url, have.size(), have.sha256())
          : scheduler.onLocalHave(now, have.key(), url, have.size(), have.sha256())));
    }
  }

  /** Whether this host can take from {@code member}: another member of its view whose peer port it heard. */
  private boolean usable(NodeId member) {
    return !member.equals(id) && view.contains(member) && ports.contains(member);
  }

  // ---- what the network and the group tell this host

  /** The request's body arrived whole from its current source. */
  void bodyArrived(Request request) {
    steering.bodyWhole(request);
  }

  /** The current peer source of {@code request} failed (refused, nothing to offer, or died mid-body). */
  void sourceFailed(Request request, NodeId source) {
    if (!alive || !source.equals(steering.source(request))) {
      return;
    }
    steering.sourceFailed(request, false);
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
    for (Request request : steering.fetches()) {
      long bytes = receivedBytes(request);
      if (bytes > 0 && steering.pastAsking(request)) {
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
    return new Message.Load(uploads.size(), (long) rate, steering.size(), used, 7879, "sim");
  }

  /** LocalCache's demand: the host's own client plus the peers streaming the object from it. */
  private int demand(ObjectKey key) {
    if (!steering.steers(key)) {
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
    return stored.contains(key) || steering.steers(key);
  }

  /** The host died ({@code kill -9}): its requests and client are gone. */
  void die() {
    alive = false;
    steering.clear();
  }
}
