package dev.potluck.scheduler;

import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * One node's local misses as the {@link Scheduler} steers them: which mode each request is in (asking,
 * queued for upstream, fetching upstream, streaming, taking from holders), the upstream fetches it runs
 * at once ({@link FetchQueue}), the offered sources tried in order (skipping those the driver cannot
 * use), another round when they were all busy, and a streamed body's wait for its digest.
 *
 * <p>Pure and single-threaded, like the scheduler: events come in as calls, and what to do goes out, in
 * order, to the driver's sink as {@link Steer}s. The driver (the node's {@code Swarm}, the simulator's
 * host) only performs them; performing one may call back in, as a report to the scheduler can steer
 * another request. Timers are the driver's: a {@code Steer} says how long, and the driver calls back.
 *
 * @param <F> the driver's handle on one request's transfer; compared by identity
 */
public final class Steering<F> {

  /** How long a request whose sources were all busy waits before asking them again, and how often. */
  public static final long BUSY_RETRY_MILLIS = 250;
  public static final int MAX_BUSY_ROUNDS = 40;
  /** How long a streamed body, whole, waits for its digest before it is given up. */
  public static final long DIGEST_WAIT_MILLIS = 30_000;

  static final String LEASE_ENDED = "the request it was granted for has ended";

  enum Mode { ASKING, QUEUED, UPSTREAM, STREAM, HOLDERS }

  /** One local miss. */
  private static final class Request<F> {
    final long id;
    final ObjectKey key;
    final F fetch;
    Mode mode = Mode.ASKING;
    List<NodeId> sources = List.of();
    int next;
    NodeId current;
    /** The digest the holders' answer gave, handed to each source. */
    Sha256 expected;
    /** The digest announced for a stream since its sources were last set. */
    Sha256 announced;
    /** Some source of the current list answered busy, so the list is worth another round. */
    boolean sawBusy;
    int busyRounds;
    /** The body arrived whole before its digest was known. */
    boolean bodyWhole;
    /** Counts the sources taken, so that a digest wait armed for an earlier one is ignored. */
    long attempt;

    Request(long id, ObjectKey key, F fetch) {
      this.id = id;
      this.key = key;
      this.fetch = fetch;
    }
  }

  private final Function<F, ObjectKey> keyOf;
  private final Predicate<F> ended;
  private final Predicate<NodeId> usable;
  private final ToIntFunction<ObjectKey> demand;
  private final FetchQueue fetchQueue;
  private final Consumer<Steer<F>> out;
  private final Map<Long, Request<F>> requests = new LinkedHashMap<>();
  private final Map<ObjectKey, Request<F>> byKey = new HashMap<>();
  private long nextRequestId = 1;

  /**
   * @param keyOf the object a handle fetches
   * @param ended whether a handle's transfer is over already (its client went away), though not yet
   *     reported through {@link #stored} or {@link #failed}
   * @param usable whether this node can take from a source now: its peer API is known and it is not
   *     blocklisted (nor this node)
   * @param demand how wanted an object is, for the fetch queue: local clients plus peers waiting on it
   * @param maxUpstream upstream fetches at once
   * @param out where what to do goes
   */
  public Steering(Function<F, ObjectKey> keyOf, Predicate<F> ended, Predicate<NodeId> usable,
      ToIntFunction<ObjectKey> demand, int maxUpstream, Consumer<Steer<F>> out) {
    this.keyOf = keyOf;
    this.ended = ended;
    this.usable = usable;
    this.demand = demand;
    this.fetchQueue = new FetchQueue(maxUpstream);
    this.out = out;
  }

  // ---- events

  /** A local miss to steer; returns its request id, for the scheduler's {@code onRequest}. */
  public long start(F fetch) {
    Request<F> request = new Request<>(nextRequestId++, keyOf.apply(fetch), fetch);
    requests.put(request.id, request);
    byKey.put(request.key, request);
    return request.id;
  }

  /** The scheduler granted a lease: the fetch starts, or waits for a slot. */
  public void upstreamGranted(Action.FetchUpstream action) {
    Request<F> request = requests.get(action.requestId());
    if (request == null || ended.test(request.fetch)) {
      // A lease for a request that has ended: hand it straight back.
      out.accept(new Steer.TellFetchFailed<>(action.key(), LEASE_ENDED));
      return;
    }
    request.mode = Mode.QUEUED;
    fetchQueue.offer(action).ifPresent(this::startUpstream);
  }

  /** The scheduler pointed the request at a fetch under way at these sources, best first. */
  public void streamFrom(Action.StreamFromPeers action) {
    takeFromPeers(action.requestId(), Mode.STREAM, action.sources(), null);
  }

  /** The scheduler pointed the request at these holders of the complete object, best first. */
  public void takeFromHolders(Action.FetchFromHolders action) {
    takeFromPeers(action.requestId(), Mode.HOLDERS, action.holders(), action.sha256());
  }

  /** The current source failed; {@code busy} when it refused for being at its upload limit. */
  public void sourceFailed(F fetch, boolean busy) {
    Request<F> request = steered(fetch);
    if (request != null) {
      request.sawBusy |= busy;
      tryNextSource(request);
    }
  }

  /** A {@link Steer.RetryLater}'s time has come. */
  public void retry(long requestId) {
    Request<F> request = requests.get(requestId);
    if (request != null && request.current == null && !ended.test(request.fetch)) {
      tryNextSource(request);
    }
  }

  /** The body arrived whole from the current source: complete if its digest is known, else wait for it. */
  public void bodyWhole(F fetch) {
    Request<F> request = steered(fetch);
    if (request == null) {
      return;
    }
    if (request.mode == Mode.UPSTREAM || request.expected != null || request.announced != null) {
      // Upstream: the fetcher computes the digest itself; peers: verified against the one known.
      out.accept(new Steer.Complete<>(fetch));
      return;
    }
    request.bodyWhole = true;
    out.accept(new Steer.AwaitDigest<>(fetch, request.attempt, DIGEST_WAIT_MILLIS));
  }

  /** The arbiter announced the digest of the object this node streams. */
  public void digestAnnounced(ObjectKey key, Sha256 sha256) {
    Request<F> request = byKey.get(key);
    if (request == null) {
      return;
    }
    request.announced = sha256;
    if (request.bodyWhole) {
      out.accept(new Steer.Complete<>(request.fetch));
    }
  }

  /** An {@link Steer.AwaitDigest}'s time has come. */
  public void digestOverdue(F fetch, long attempt) {
    Request<F> request = steered(fetch);
    if (request != null && request.bodyWhole && request.attempt == attempt) {
      out.accept(new Steer.Abandon<>(fetch));
    }
  }

  /** The object is stored: the request is over, and the scheduler hears this node holds it. */
  public void stored(F fetch, long size, Sha256 sha256) {
    Request<F> request = forget(fetch);
    if (request == null) {
      return;
    }
    releaseFetchSlot(request);
    out.accept(new Steer.TellHave<>(fetch, request.key, size, sha256, request.mode == Mode.UPSTREAM));
  }

  /**
   * The request ended without a copy. Returns the peer it was last taking from when it was taking from
   * peers (the driver may blame it), else null.
   */
  public NodeId failed(F fetch, String reason) {
    Request<F> request = forget(fetch);
    if (request == null) {
      return null;
    }
    releaseFetchSlot(request);
    if (request.mode == Mode.UPSTREAM || request.mode == Mode.QUEUED) {
      out.accept(new Steer.TellFetchFailed<>(request.key, reason));
      return null;
    }
    out.accept(new Steer.TellGaveUp<>(fetch, request.id, request.key));
    return request.current;
  }

  /** Forgets every request, without a word to anyone: the node is gone. */
  public void clear() {
    requests.clear();
    byKey.clear();
  }

  // ---- queries

  /** Whether {@code fetch} is a request being steered now. */
  public boolean steers(F fetch) {
    return steered(fetch) != null;
  }

  /** Whether a request for {@code key} is being steered now. */
  public boolean steers(ObjectKey key) {
    return byKey.containsKey(key);
  }

  /** Whether {@code fetch} is being steered and past asking: it moves bytes, or waits for a slot to. */
  public boolean pastAsking(F fetch) {
    Request<F> request = steered(fetch);
    return request != null && request.mode != Mode.ASKING;
  }

  /** The source {@code fetch} takes from now, or null. */
  public NodeId source(F fetch) {
    Request<F> request = steered(fetch);
    return request == null ? null : request.current;
  }

  /** Whether the request for {@code key} has somewhere to take it from: upstream, or a peer. */
  public boolean decided(ObjectKey key) {
    Request<F> r = byKey.get(key);
    return r != null && (r.mode == Mode.UPSTREAM
        || ((r.mode == Mode.STREAM || r.mode == Mode.HOLDERS) && r.current != null));
  }

  /** The peer the request for {@code key} takes from, or null (none, or upstream). */
  public NodeId peerOf(ObjectKey key) {
    Request<F> r = byKey.get(key);
    return r == null || r.mode == Mode.UPSTREAM ? null : r.current;
  }

  /** The requests being steered, oldest first (a copy). */
  public List<F> fetches() {
    List<F> fetches = new ArrayList<>(requests.size());
    for (Request<F> request : requests.values()) {
      fetches.add(request.fetch);
    }
    return fetches;
  }

  public int size() {
    return requests.size();
  }

  Mode mode(F fetch) {
    Request<F> request = steered(fetch);
    return request == null ? null : request.mode;
  }

  // ---- the state machine

  private Request<F> steered(F fetch) {
    Request<F> request = byKey.get(keyOf.apply(fetch));
    return request != null && request.fetch == fetch ? request : null;
  }

  private Request<F> forget(F fetch) {
    Request<F> request = steered(fetch);
    if (request != null) {
      byKey.remove(request.key);
      requests.remove(request.id);
    }
    return request;
  }

  private void startUpstream(Action.FetchUpstream action) {
    Request<F> request = requests.get(action.requestId());
    boolean over = request == null || ended.test(request.fetch);
    if (over || request.mode != Mode.QUEUED) {
      // Ended or re-pointed while it waited for a slot.
      fetchQueue.finished(action.key(), demand).ifPresent(this::startUpstream);
      if (over) {
        out.accept(new Steer.TellFetchFailed<>(action.key(), LEASE_ENDED));
      }
      return;
    }
    request.mode = Mode.UPSTREAM;
    request.current = null;
    out.accept(new Steer.FromUpstream<>(request.fetch));
  }

  /** This request no longer fetches upstream (or waits to): its slot goes to the most wanted waiting fetch. */
  private void releaseFetchSlot(Request<F> request) {
    if (request.mode == Mode.UPSTREAM || request.mode == Mode.QUEUED) {
      fetchQueue.finished(request.key, demand).ifPresent(this::startUpstream);
    }
  }

  private void takeFromPeers(long requestId, Mode mode, List<NodeId> sources, Sha256 expected) {
    Request<F> request = requests.get(requestId);
    if (request == null || ended.test(request.fetch)) {
      return;
    }
    releaseFetchSlot(request);
    request.mode = mode;
    request.sources = sources;
    request.next = 0;
    request.expected = expected;
    request.announced = null;
    tryNextSource(request);
  }

  /** The next offered source this node can use; when none is left, the scheduler says what next. */
  private void tryNextSource(Request<F> request) {
    while (request.next < request.sources.size()) {
      NodeId candidate = request.sources.get(request.next++);
      if (usable.test(candidate)) {
        request.current = candidate;
        request.attempt++;
        out.accept(new Steer.FromPeer<>(request.fetch, candidate, request.expected));
        return;
      }
    }
    request.current = null;
    if (request.sawBusy && request.busyRounds < MAX_BUSY_ROUNDS) {
      // The LAN has it but its sources are at their upload caps: ask them again shortly instead of
      // fetching a second copy from upstream.
      request.sawBusy = false;
      request.busyRounds++;
      request.next = 0;
      out.accept(new Steer.RetryLater<>(request.fetch, request.id, BUSY_RETRY_MILLIS));
      return;
    }
    out.accept(new Steer.TellSourcesFailed<>(request.fetch, request.id, request.key, request.mode == Mode.STREAM));
  }
}
