package dev.potluck.scheduler;

import dev.potluck.protocol.Message.Abort;
import dev.potluck.protocol.Message.Announce;
import dev.potluck.protocol.Message.Done;
import dev.potluck.protocol.Message.Drop;
import dev.potluck.protocol.Message.FetchFrom;
import dev.potluck.protocol.Message.Fetching;
import dev.potluck.protocol.Message.Grant;
import dev.potluck.protocol.Message.Have;
import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Message.Progress;
import dev.potluck.protocol.Sha256;
import dev.potluck.protocol.Message.StreamFrom;
import dev.potluck.protocol.Message.Take;
import dev.potluck.protocol.Message.Want;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One node's share of the cluster's brain: a state machine with no I/O, threads or clock of its own.
 * The node feeds it events, each with {@code now}, and performs the {@link Action}s it returns.
 *
 * <p>Every key has one <em>arbiter</em>, the member chosen by {@link Rendezvous} over the current view.
 * A node that wants an object it does not hold sends {@link Want} to the key's arbiter, which answers
 * with exactly one of:
 * <ol>
 *   <li>{@link FetchFrom}: complete holders, least loaded first (counting the arbiter's own recent
 *       assignments, so a burst spreads out);
 *   <li>{@link StreamFrom}: the object is being fetched; stream it from the fetcher, or, once the
 *       fetcher streams to {@link SchedulerConfig#maxUploads} peers, from a node that is itself
 *       receiving (a relay tree of bounded fan-out);
 *   <li>{@link Grant}: nobody has it; the requester holds the fetch lease and fetches upstream.
 * </ol>
 * So while the view is whole, one node fetches each object, and control traffic is O(1) messages per
 * requester whatever the cluster's size.
 *
 * <p>Load: an arbiter ranks holders by the upload count each last reported ({@link Load}) plus the
 * assignments it made since. A node reports its count only to the arbiters of the keys it holds, when
 * the count changes, and to members that join (which learn its peer port from it); members not told
 * count it as idle. So no member hears every member's load: a change costs one message per arbiter of
 * the node's keys (at most as many as it holds keys), whatever the cluster's size.
 *
 * <p>Integrity: when the fetcher reports {@link Done}, the arbiter sends its size and digest
 * ({@link Announce}) to every node still streaming the object, which verifies against them
 * ({@link Action.ExpectDigest}); holders offered later come with the digest in {@link FetchFrom}.
 *
 * <p>Failures: a requester that hears nothing within {@link SchedulerConfig#requestTimeoutMillis}
 * fetches upstream itself. When the fetcher leaves the view, aborts, or reports no progress for
 * {@link SchedulerConfig#leaseTimeoutMillis}, its lease passes to the receiver that has the most bytes,
 * which resumes upstream from there, and the other receivers are re-pointed to it. When the view
 * changes, every node re-announces what it holds and fetches to those keys' new arbiters, so merged
 * partitions converge.
 *
 * <p>Authority follows roles (DESIGN.md, "Trust"); a rogue member can cost time, never correctness:
 * <ol>
 *   <li>Answers about a key ({@link Grant}, {@link StreamFrom}, {@link FetchFrom}, {@link Announce}) are
 *       taken only from the key's arbiter in this node's current view (possibly this node itself). An
 *       answer lost to a view change is not missed: the requester asks the new arbiter again when its
 *       view moves the key, or when its wait runs out, and a receiver still reporting progress with all
 *       the bytes is told the digest again.
 *   <li>Only the lease holder's {@link Done} names the object's digest. A {@code Done} from another member
 *       (it fetched without the lease, or lost the lease while quiet) counts as a holder claim like
 *       {@link Have} when the digest is already known and matches, and never sets or replaces it.
 *   <li>A known digest is never replaced. The first claim sets it: the lease holder's {@code Done}, or,
 *       while nobody holds the lease, the first {@code Have} (a holder from before a restart or from
 *       the other side of a partition). While a lease is out, the digest is the lease holder's to report,
 *       so a {@code Have} from anyone else is not recorded until it is known. A holder whose claim
 *       disagrees with the known size and digest is not recorded as a holder.
 *   <li>Claims and requests about keys this node does not arbitrate in its view ({@link Want},
 *       {@link Progress}, {@link Have}, {@link Drop}, {@link Fetching}, {@link Abort}) are handled as
 *       before: views differ briefly in both directions around a change, so the sender may simply be a
 *       view ahead or behind; the next view change forgets the state of keys this node does not
 *       arbitrate. Senders outside the view are held until the next view, as before.
 * </ol>
 * Refused messages are counted by {@link RejectReason} ({@link #rejected()}).
 *
 * <p>A node that serves nobody ({@code shares} false: {@code --no-share}) takes from the LAN like any
 * other but never becomes a source for another member:
 * <ol>
 *   <li>it asks with {@link Take} instead of {@link Want}, and never says {@link Have}, {@link Done},
 *       {@link Fetching} or {@link Abort}: nothing it holds or fetches is announced. It reports the
 *       progress of a stream it receives (so that its arbiter can re-point it and tell it the digest),
 *       and a {@link Drop} once that stream is complete, which ends its part in the key;
 *   <li>an arbiter that receives a {@code Take} counts the sender as a non-source until it leaves the
 *       view: never offered as a holder, a relay or a lease heir, and never recorded as a holder
 *       whatever it claims. A {@link Grant} to it is no lease: a member asking meanwhile is granted a
 *       fetch of its own rather than told to follow the non-source's.
 * </ol>
 *
 * <p>Not thread-safe: one node calls it from one thread.
 */
public final class Scheduler {

  /**
   * What a local request waits for: the first answer to its Want ({@code ASKING}); a new source after
   * its stream broke, which the arbiter sends once the view or the lease says the source is gone
   * ({@code STALLED}); or the arbiter's answer to asking again after that wait ran out
   * ({@code RECOVERING}).
   */
  private enum Phase { ASKING, STALLED, RECOVERING }

  /**
   * A local request waiting until {@code deadline}; {@code stalls} counts how often its streams broke,
   * so a source that keeps failing is given up on rather than retried for ever.
   */
  private record Pending(ObjectKey key, String url, long deadline, Phase phase, int stalls) {}

  /** A key this node streams from a peer, for its own request {@code requestId}. */
  private record Stream(long requestId, Pending pending) {}

  /** An object this node holds, or fetches under a lease. */
  private record Local(String url, long size, Sha256 sha256) {}

  private final NodeId self;
  private final SchedulerConfig config;
  /** Whether this node serves other members (false: {@code --no-share}). */
  private final boolean shares;
  /** Members that asked with {@link Take}: never offered to anyone. Kept to the view. */
  private final Set<NodeId> nonSources = new HashSet<>();
  private final LoadTable loads;
  private List<NodeId> members;
  /** The view again, for membership tests on every message (a list would make them O(N)). */
  private Set<NodeId> memberSet;
  private final Map<ObjectKey, KeyState> arbitrated = new LinkedHashMap<>();
  private final Map<Long, Pending> pending = new LinkedHashMap<>();
  private final Map<ObjectKey, Local> holdings = new LinkedHashMap<>();
  private final Map<ObjectKey, Local> fetching = new LinkedHashMap<>();
  /** Keys this node streams from a peer, with the request each serves. */
  private final Map<ObjectKey, Stream> receiving = new LinkedHashMap<>();
  private final Map<ObjectKey, Long> progressSentAt = new HashMap<>();
  /** Claims from senders not (yet) in the view, replayed or dropped at the next view change. */
  private final Map<NodeId, List<Message>> held = new LinkedHashMap<>();
  private int heldCount;
  /** Bounds what a stranger can make this node keep. */
  static final int MAX_HELD = 10_000;
  /** The request id of a receiver adopted from its progress (see {@link #adoptStream}). */
  private static final long ADOPTED_REQUEST = -1;
  /** How many times one request's streams may break before it fetches upstream on its own. */
  static final int MAX_STALLS = 4;
  /** When this node last took its own load into its table, and what it was. */
  private long lastLoadSentAt = Long.MIN_VALUE;
  private Load lastLoadSent;
  /** The upload count this node last sent to a member, and when: what that member believes it is. */
  private record Told(int uploads, long at) {}
  private final Map<NodeId, Told> told = new HashMap<>();
  /** Members that joined since the last tick: they learn this node's load (and peer port) at the next. */
  private final Set<NodeId> newcomers = new LinkedHashSet<>();
  /** The arbiter of each held key in the current view (rendezvous over the view is O(N) per key). */
  private final Map<ObjectKey, NodeId> holdingArbiters = new HashMap<>();
  /** Whether the arbiters of held keys may have changed since they were last told this node's load. */
  private boolean audienceChanged;
  /** Whether an arbiter's update was held back by the spacing and is still due. */
  private boolean tellDeferred;
  private int lastTickUploads;
  private long decisions;
  private final EnumMap<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);

  public Scheduler(NodeId self, SchedulerConfig config) {
    this(self, config, true);
  }

  /** A node that serves other members when {@code shares}, and only takes from them otherwise. */
  public Scheduler(NodeId self, SchedulerConfig config, boolean shares) {
    this.self = self;
    this.config = config;
    this.shares = shares;
    this.loads = new LoadTable(config.assignmentWindowMillis());
    this.members = List.of(self);
    this.memberSet = Set.of(self);
  }

  public NodeId self() {
    return self;
  }

  /** Whether this node serves other members. */
  public boolean shares() {
    return shares;
  }

  /** The current view, sorted. */
  public List<NodeId> members() {
    return members;
  }

  /** Want requests this node has decided as an arbiter. */
  public long decisions() {
    return decisions;
  }

  /** Messages refused so far, by reason (reasons never seen are absent). A snapshot. */
  public Map<RejectReason, Long> rejected() {
    return Collections.unmodifiableMap(new EnumMap<>(rejected));
  }

  /** Messages refused so far for {@code reason}. */
  public long rejected(RejectReason reason) {
    return rejected.getOrDefault(reason, 0L);
  }

  public NodeId arbiterOf(ObjectKey key) {
    return Rendezvous.owner(key, members);
  }

  // ---- events from the node

  /** A local client wants {@code key}, which this node does not hold. */
  public List<Action> onRequest(long now, long requestId, ObjectKey key, String url) {
    pending.put(requestId, new Pending(key, url, now + config.requestTimeoutMillis(), Phase.ASKING, 0));
    return route(now, arbiterOf(key), ask(requestId, key, url));
  }

  /** This node's fetch (under a lease) or stream has reached {@code bytes}. */
  public List<Action> onLocalProgress(long now, ObjectKey key, long bytes) {
    if (!shares && !receiving.containsKey(key)) {
      return List.of(); // its own fetches are nobody's business
    }
    Long last = progressSentAt.get(key);
    if (last != null && now - last < config.progressIntervalMillis()) {
      return List.of();
    }
    progressSentAt.put(key, now);
    return route(now, arbiterOf(key), new Progress(key, bytes));
  }

  /** This node finished fetching {@code key} from upstream and stored it. */
  public List<Action> onLocalFetchDone(long now, ObjectKey key, String url, long size, Sha256 sha256) {
    fetching.remove(key);
    progressSentAt.remove(key);
    if (!shares) {
      return List.of();
    }
    holdings.put(key, new Local(url, size, sha256));
    audienceChanged = true;
    return route(now, arbiterOf(key), new Done(key, size, sha256));
  }

  /** This node's upstream fetch of {@code key} failed; the lease is given back. */
  public List<Action> onLocalFetchFailed(long now, ObjectKey key, String reason) {
    progressSentAt.remove(key);
    if (fetching.remove(key) == null || !shares) {
      return List.of(); // a non-source's fetch is no lease: nothing to give back
    }
    return route(now, arbiterOf(key), new Abort(key, clip(reason, Abort.MAX_REASON_LENGTH)));
  }

  /**
   * This node's stream of {@code key} from a peer broke, or every offered source failed (or lied, and is
   * blocklisted by the node). The arbiter re-points receivers of a departed source once the view says
   * so (which takes the failure detector a moment). If no new source or lease arrives within
   * {@link SchedulerConfig#streamRecoveryMillis}, this node asks the arbiter again, which then recovers
   * a lease whose fetcher has gone quiet: the heir is chosen in one place, so however late the view
   * change comes, one waiter resumes upstream, not every one whose wait ran out. Only an arbiter that
   * does not answer either, or a request whose streams broke {@link #MAX_STALLS} times, makes this node
   * fetch upstream on its own.
   */
  public List<Action> onLocalStreamFailed(long now, long requestId, ObjectKey key, String url) {
    Stream broken = receiving.remove(key);
    progressSentAt.remove(key);
    Pending before = pending.remove(requestId);
    int stalls = 1 + (broken != null ? broken.pending().stalls() : before != null ? before.stalls() : 0);
    if (stalls > MAX_STALLS) {
      return fetchAlone(now, requestId, key, url);
    }
    pending.put(requestId, new Pending(key, url, now + config.streamRecoveryMillis(), Phase.STALLED, stalls));
    return List.of();
  }

  /**
   * Every holder offered for {@code key} failed or was blocklisted: this node fetches upstream at once.
   * Holders are complete copies, so unlike a broken stream there is nothing to wait for.
   */
  public List<Action> onLocalSourcesFailed(long now, long requestId, ObjectKey key, String url) {
    receiving.remove(key);
    pending.remove(requestId);
    progressSentAt.remove(key);
    return fetchAlone(now, requestId, key, url);
  }

  /** The local request for {@code key} ended without a copy (its clients got an error): forget it. */
  public List<Action> onLocalGaveUp(long now, long requestId, ObjectKey key) {
    pending.remove(requestId);
    receiving.remove(key);
    progressSentAt.remove(key);
    return List.of();
  }

  /** This node now holds a complete, verified copy of {@code key} (received from a peer). */
  public List<Action> onLocalHave(long now, ObjectKey key, String url, long size, Sha256 sha256) {
    progressSentAt.remove(key);
    Stream streamed = receiving.remove(key);
    if (!shares) {
      // Its stream is over: the arbiter stops counting it as a receiver. What it holds stays unannounced.
      return streamed == null ? List.of() : route(now, arbiterOf(key), new Drop(key));
    }
    holdings.put(key, new Local(url, size, sha256));
    audienceChanged = true;
    return route(now, arbiterOf(key), new Have(key, size, sha256));
  }

  /** This node no longer holds {@code key}. */
  public List<Action> onLocalDrop(long now, ObjectKey key) {
    if (holdings.remove(key) == null) {
      return List.of();
    }
    return route(now, arbiterOf(key), new Drop(key));
  }

  /**
   * Time passes: timeouts fire, and the arbiters that rank this node learn its load (see {@link #tellLoad}).
   * {@code localLoad} is this node's load now.
   */
  public List<Action> onTick(long now, Load localLoad) {
    List<Action> actions = new ArrayList<>();
    for (Map.Entry<Long, Pending> e : new ArrayList<>(pending.entrySet())) {
      Pending p = e.getValue();
      if (now < p.deadline()) {
        continue;
      }
      long requestId = e.getKey();
      if (p.phase() == Phase.STALLED) {
        // Nobody re-pointed this stream: ask the arbiter, which can tell a quiet lease from a live one.
        pending.put(requestId, new Pending(p.key(), p.url(), now + config.leaseTimeoutMillis(), Phase.RECOVERING,
            p.stalls()));
        actions.addAll(route(now, arbiterOf(p.key()), ask(requestId, p.key(), p.url())));
      } else {
        // The cluster did not answer in time: behave like a node on its own.
        pending.remove(requestId);
        actions.addAll(fetchAlone(now, requestId, p.key(), p.url()));
      }
    }
    for (Map.Entry<ObjectKey, KeyState> e : new ArrayList<>(arbitrated.entrySet())) {
      KeyState.Lease lease = e.getValue().lease;
      if (lease != null && now - lease.lastProgressAt >= config.leaseTimeoutMillis()) {
        actions.addAll(recoverLease(now, e.getKey(), e.getValue(), lease.fetcher));
      }
    }
    // This node ranks itself, for the keys it arbitrates and holds, by its own load: taken in once an
    // interval, and at once when the upload count changes.
    boolean uploadsChanged = lastLoadSent != null && lastLoadSent.activeUploads() != localLoad.activeUploads();
    if (lastLoadSentAt == Long.MIN_VALUE || now - lastLoadSentAt >= config.loadIntervalMillis() || uploadsChanged) {
      lastLoadSentAt = now;
      lastLoadSent = localLoad;
      loads.update(self, localLoad, now);
    }
    actions.addAll(tellLoad(now, localLoad));
    return actions;
  }

  /**
   * The least spacing of two load updates to one arbiter: a count that flickers within it reaches the
   * arbiter once, settled (its own assignments cover the moment between).
   */
  static long loadSpacingMillis(SchedulerConfig config) {
    return Math.max(1, config.loadIntervalMillis() / 5);
  }

  /**
   * Sends this node's load where it is used, not to every member: an arbiter ranks the holders of its
   * keys by load, so the arbiters of the keys this node holds are told its upload count whenever it
   * differs from what they were last told (an arbiter never told counts it as idle, so an idle node
   * tells nobody), at most once per {@link #loadSpacingMillis} each. A count that falls is what
   * frees a holder for the next burst, so it is sent like a rise. Members that joined since the last
   * tick are told once, whatever the count: they learn this node's peer port from it. So a change of a
   * holder's upload count costs one message per arbiter of its keys, whatever the cluster's size, and
   * nothing is sent while nothing changes.
   */
  private List<Action> tellLoad(long now, Load load) {
    List<Action> actions = new ArrayList<>();
    int uploads = load.activeUploads();
    for (NodeId member : newcomers) {
      if (memberSet.contains(member)) {
        actions.add(new Action.Send(member, load));
        told.put(member, new Told(uploads, now));
      }
    }
    newcomers.clear();
    if (!shares) {
      return actions; // it is nobody's holder: no arbiter ranks it
    }
    // The arbiters are looked at only when something changed, or the spacing held an update back.
    if (!audienceChanged && !tellDeferred && uploads == lastTickUploads) {
      return actions;
    }
    audienceChanged = false;
    tellDeferred = false;
    lastTickUploads = uploads;
    long spacing = loadSpacingMillis(config);
    Set<NodeId> audience = new LinkedHashSet<>();
    for (ObjectKey key : holdings.keySet()) {
      audience.add(holdingArbiters.computeIfAbsent(key, this::arbiterOf));
    }
    if (holdingArbiters.size() > 2 * holdings.size() + 64) {
      holdingArbiters.keySet().retainAll(holdings.keySet()); // keys dropped since
    }
    audience.remove(self);
    for (NodeId arbiter : audience) {
      Told last = told.get(arbiter);
      if ((last == null ? 0 : last.uploads()) == uploads) {
        continue;
      }
      if (last != null && now - last.at() < spacing) {
        tellDeferred = true;
        continue;
      }
      actions.add(new Action.Send(arbiter, load));
      told.put(arbiter, new Told(uploads, now));
    }
    return actions;
  }

  /** The group's membership changed. */
  public List<Action> onViewChanged(long now, List<NodeId> view) {
    List<NodeId> old = members;
    TreeSet<NodeId> sorted = new TreeSet<>(view);
    sorted.add(self);
    members = List.copyOf(sorted);
    memberSet = new HashSet<>(sorted);
    Set<NodeId> departed = new HashSet<>(old);
    departed.removeAll(sorted);
    departed.forEach(loads::forget);
    nonSources.retainAll(sorted);
    Set<NodeId> before = new HashSet<>(old);
    for (NodeId member : members) {
      if (!before.contains(member) && !member.equals(self)) {
        newcomers.add(member); // they learn this node's load (and peer port) at the next tick
      }
    }
    newcomers.retainAll(memberSet);
    told.keySet().retainAll(memberSet);
    // Keys move between arbiters: the new arbiters of held keys learn this node's load at the next tick.
    holdingArbiters.clear();
    audienceChanged = true;

    List<Action> actions = new ArrayList<>();
    for (Map.Entry<ObjectKey, KeyState> e : new ArrayList<>(arbitrated.entrySet())) {
      ObjectKey key = e.getKey();
      KeyState state = e.getValue();
      if (!arbiterOf(key).equals(self)) {
        // Its new arbiter learns the state from the holders' and fetchers' re-announcements.
        arbitrated.remove(key);
        continue;
      }
      departed.forEach(state.holders::remove);
      state.receivers.keySet().removeAll(departed);
      if (state.lease != null && departed.contains(state.lease.fetcher)) {
        actions.addAll(recoverLease(now, key, state, state.lease.fetcher));
      }
      if (state.lease != null) {
        actions.addAll(repointBelow(now, key, state, departed));
      }
      forgetIfEmpty(key, state);
    }
    for (Map.Entry<ObjectKey, Local> e : holdings.entrySet()) {
      if (arbiterMoved(e.getKey(), old)) {
        Local l = e.getValue();
        actions.addAll(route(now, arbiterOf(e.getKey()), new Have(e.getKey(), l.size(), l.sha256())));
      }
    }
    for (Map.Entry<ObjectKey, Local> e : fetching.entrySet()) {
      if (shares && arbiterMoved(e.getKey(), old)) {
        actions.addAll(route(now, arbiterOf(e.getKey()), new Fetching(e.getKey(), e.getValue().url(), 0)));
      }
    }
    for (Map.Entry<Long, Pending> e : new ArrayList<>(pending.entrySet())) {
      Pending p = e.getValue();
      if (arbiterMoved(p.key(), old)) {
        // The new arbiter gets the whole wait to answer: its predecessor's silence is not its own.
        long wait = p.phase() == Phase.ASKING ? config.requestTimeoutMillis() : config.leaseTimeoutMillis();
        Phase phase = p.phase() == Phase.ASKING ? Phase.ASKING : Phase.RECOVERING;
        pending.put(e.getKey(), new Pending(p.key(), p.url(), now + wait, phase, p.stalls()));
        actions.addAll(route(now, arbiterOf(p.key()), ask(e.getKey(), p.key(), p.url())));
      }
    }
    if (!held.isEmpty()) {
      Map<NodeId, List<Message>> replay = new LinkedHashMap<>(held);
      held.clear();
      heldCount = 0;
      replay.forEach((from, messages) -> {
        if (memberSet.contains(from)) {
          messages.forEach(m -> actions.addAll(onMessage(now, from, m)));
        }
      });
    }
    return actions;
  }

  /** A message from {@code from} (possibly this node itself). */
  public List<Action> onMessage(long now, NodeId from, Message message) {
    ObjectKey answered = answerKey(message);
    if (answered != null && !from.equals(arbiterOf(answered))) {
      // Only the key's arbiter grants, steers or announces for it. One that was the arbiter in a view this
      // node has left behind is dropped too: the requester asks the new arbiter (see the class comment).
      return reject(RejectReason.NOT_ARBITER);
    }
    if (message instanceof Want w) {
      return arbitrate(now, from, w, true);
    } else if (message instanceof Take t) {
      nonSources.add(from);
      return arbitrate(now, from, new Want(t.requestId(), t.key(), t.url()), false);
    } else if (message instanceof Grant g) {
      // Either the answer to a Want, or a lease inherited while this node was streaming the key.
      // An arbiter that adopted this stream after a view change does not know the request's id: the
      // stream's own id is used.
      long requestId = localRequest(g.requestId(), g.key());
      if (requestId == NO_REQUEST) {
        return List.of();
      }
      Pending p = pending.remove(requestId);
      Stream stream = receiving.remove(g.key());
      String url = p != null ? p.url() : stream.pending().url();
      fetching.put(g.key(), new Local(url, -1, null));
      return List.of(new Action.FetchUpstream(requestId, g.key(), url, g.resumeFrom()));
    } else if (message instanceof StreamFrom s) {
      // Either the answer to a Want, or a new source for a stream whose source failed.
      long requestId = localRequest(s.requestId(), s.key());
      if (requestId == NO_REQUEST || fetching.containsKey(s.key())) {
        return List.of();
      }
      Pending p = pending.remove(requestId);
      if (p == null) {
        p = receiving.get(s.key()).pending();
      }
      receiving.put(s.key(), new Stream(requestId, p));
      return List.of(new Action.StreamFromPeers(requestId, s.key(), s.sources()));
    } else if (message instanceof Announce a) {
      // The fetcher's digest, relayed by the arbiter: what this node's stream must turn out to be.
      if (!receiving.containsKey(a.key())) {
        return List.of();
      }
      return List.of(new Action.ExpectDigest(a.key(), a.size(), a.sha256()));
    } else if (message instanceof FetchFrom f) {
      if (pending.remove(f.requestId()) == null) {
        return List.of();
      }
      return List.of(new Action.FetchFromHolders(f.requestId(), f.key(), f.holders(), f.size(), f.sha256()));
    } else if (message instanceof Load load && memberSet.contains(from)) {
      loads.update(from, load, now);
      return List.of();
    }
    // A load from a member whose view this node has not installed yet (a newcomer's, sent once) is held
    // like its claims, below.
    if (!memberSet.contains(from)) {
      // Not in this node's view: a member whose view this node has not installed yet (it is joining,
      // and the others re-announce to it as soon as they see it), or one that has left. Held until the
      // next view says which; a departed node's claims about keys are never trusted.
      if (heldCount < MAX_HELD) {
        held.computeIfAbsent(from, n -> new ArrayList<>()).add(message);
        heldCount++;
      }
      return List.of();
    }
    if (nonSources.contains(from) && (message instanceof Have || message instanceof Done
        || message instanceof Fetching)) {
      return List.of(); // it serves nobody, whatever it claims
    }
    if (message instanceof Have h) {
      KeyState state = stateOf(h.key());
      boolean fetcher = state.lease != null && state.lease.fetcher.equals(from);
      if (state.sha256 == null && state.lease != null && !fetcher) {
        // The lease holder's Done names the digest; a holder without one cannot be offered.
        forgetIfEmpty(h.key(), state);
        return List.of();
      }
      if (!claim(state, from, h.size(), h.sha256())) {
        forgetIfEmpty(h.key(), state);
        return reject(RejectReason.DIGEST_CONFLICT);
      }
      if (fetcher) {
        state.lease = null;
      }
    } else if (message instanceof Done d) {
      KeyState state = stateOf(d.key());
      if (state.lease == null || !state.lease.fetcher.equals(from)) {
        // Not the lease holder's report: at most an ordinary holder claim, and only against a known digest.
        if (state.sha256 != null && !claim(state, from, d.size(), d.sha256())) {
          rejected.merge(RejectReason.DIGEST_CONFLICT, 1L, Long::sum);
        }
        forgetIfEmpty(d.key(), state);
        return reject(RejectReason.NOT_LEASE_HOLDER);
      }
      state.lease = null;
      if (!claim(state, from, d.size(), d.sha256())) {
        // The fetcher's copy disagrees with what the arbiter already knew: it is no holder, and the
        // receivers are told the known digest, which their bodies are checked against.
        rejected.merge(RejectReason.DIGEST_CONFLICT, 1L, Long::sum);
      }
      // Everyone still streaming learns what the object must hash to.
      List<Action> actions = new ArrayList<>();
      for (NodeId receiver : new ArrayList<>(state.receivers.keySet())) {
        actions.addAll(route(now, receiver, new Announce(d.key(), state.size, state.sha256)));
      }
      forgetIfEmpty(d.key(), state);
      return actions;
    } else if (message instanceof Drop d) {
      KeyState state = arbitrated.get(d.key());
      if (state != null) {
        state.holders.remove(from);
        state.receivers.remove(from); // a non-source whose stream is complete
        forgetIfEmpty(d.key(), state);
      }
    } else if (message instanceof Progress p) {
      KeyState state = arbitrated.get(p.key());
      if (state != null) {
        if (state.lease != null && state.lease.fetcher.equals(from)) {
          state.lease.bytes = p.bytes();
          state.lease.lastProgressAt = now;
        } else if (state.receivers.containsKey(from)) {
          state.receivers.get(from).bytes = p.bytes();
          if (state.lease == null && state.sha256 != null && p.bytes() >= state.size) {
            // It has every byte and still streams: the Announce did not reach it (it came from an arbiter
            // its view did not know yet). Tell it again.
            return route(now, from, new Announce(p.key(), state.size, state.sha256));
          }
        } else if (!state.holders.containsKey(from)) {
          return adoptStream(now, from, p, state);
        }
      } else {
        return adoptStream(now, from, p, stateOf(p.key()));
      }
    } else if (message instanceof Fetching f) {
      KeyState state = stateOf(f.key());
      state.receivers.remove(from);
      if (state.lease == null) {
        state.lease = new KeyState.Lease(from, 0, f.bytes(), now);
      }
      // Otherwise two partitions each fetched it; the second fetch finishes and both become holders.
    } else if (message instanceof Abort a) {
      KeyState state = arbitrated.get(a.key());
      if (state != null && state.lease != null && state.lease.fetcher.equals(from)) {
        return recoverLease(now, a.key(), state, from);
      }
    }
    return List.of();
  }

  // ---- the arbiter's decisions

  /** Answers {@code want}; {@code source} false for a {@link Take}, whose sender is offered to nobody. */
  private List<Action> arbitrate(long now, NodeId from, Want want, boolean source) {
    decisions++;
    ObjectKey key = want.key();
    KeyState state = stateOf(key);
    List<Action> recovered = recoverQuietLease(now, from, want, state);
    if (answers(recovered, from, key)) {
      return recovered;
    }
    KeyState.Lease held = state.lease;
    if (held != null && held.fetcher.equals(from) && held.requestId == want.requestId()) {
      // Its Want crossed the Grant that made it the fetcher: the same lease, again.
      return route(now, from, new Grant(want.requestId(), key, held.bytes));
    }
    // A node that asks does not have it, whatever it said before.
    state.holders.remove(from);
    state.receivers.remove(from);
    if (state.lease != null && state.lease.fetcher.equals(from)) {
      state.lease = null;
    }
    Message answer;
    if (!state.holders.isEmpty()) {
      List<NodeId> ranked = loads.rank(new ArrayList<>(state.holders.keySet()), Rendezvous.keyBits(key), now);
      List<NodeId> offered = new ArrayList<>(ranked.subList(0, Math.min(config.maxHoldersOffered(), ranked.size())));
      NodeId relay = holderRelay(state, offered.get(0), from, now);
      if (relay != null) {
        offered.add(0, relay); // the holders stay behind it as fallbacks
        if (offered.size() > config.maxHoldersOffered()) {
          offered.remove(offered.size() - 1);
        }
      }
      loads.assigned(offered.get(0), now);
      if (source) {
        // Registered as a receiver, so that later requesters can relay from it in turn.
        state.receivers.put(from, new KeyState.Receiver(offered.get(0), want.requestId()));
      }
      answer = new FetchFrom(want.requestId(), key, offered, state.size, state.sha256);
    } else if (state.lease != null) {
      List<NodeId> sources = streamSources(state, from);
      state.receivers.put(from, new KeyState.Receiver(sources.get(0), want.requestId()));
      answer = new StreamFrom(want.requestId(), key, sources);
    } else if (source) {
      state.lease = new KeyState.Lease(from, want.requestId(), 0, now);
      answer = new Grant(want.requestId(), key, 0);
    } else {
      // It fetches for itself alone: no lease, so the next member to ask is granted its own fetch.
      answer = new Grant(want.requestId(), key, 0);
      forgetIfEmpty(key, state);
    }
    if (recovered.isEmpty()) {
      return route(now, from, answer);
    }
    List<Action> actions = new ArrayList<>(recovered);
    actions.addAll(route(now, from, answer));
    return actions;
  }

  /**
   * A receiver asking again means its stream broke and nobody re-pointed it. If the fetcher has also
   * reported nothing for {@link SchedulerConfig#streamRecoveryMillis}, the lease is taken as lost now,
   * before the view says so: the failure detector can be slow on a loaded host, and this is the one
   * place where the heir is chosen, so however many receivers ask, one resumes upstream.
   */
  private List<Action> recoverQuietLease(long now, NodeId from, Want want, KeyState state) {
    KeyState.Receiver asking = state.receivers.get(from);
    KeyState.Lease lease = state.lease;
    if (asking == null || lease == null || lease.fetcher.equals(from)
        || now - lease.lastProgressAt < config.streamRecoveryMillis()) {
      return List.of();
    }
    // Its own id, which an adopted receiver's record lacks, so that the answer finds the request.
    KeyState.Receiver current = new KeyState.Receiver(asking.parent, want.requestId());
    current.bytes = asking.bytes;
    state.receivers.put(from, current);
    return recoverLease(now, want.key(), state, lease.fetcher);
  }

  /** Whether {@code actions} already tell {@code node} where to take {@code key} from. */
  private boolean answers(List<Action> actions, NodeId node, ObjectKey key) {
    for (Action action : actions) {
      if (action instanceof Action.Send send && send.to().equals(node)
          && (send.message() instanceof Grant || send.message() instanceof StreamFrom)) {
        return true;
      }
      if (node.equals(self) && (action instanceof Action.FetchUpstream f && f.key().equals(key)
          || action instanceof Action.StreamFromPeers p && p.key().equals(key))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where a new receiver streams from: the fetcher while it has upload slots, else the receiver with
   * free slots that is furthest along; the rest of the list are fallbacks.
   */
  private List<NodeId> streamSources(KeyState state, NodeId requester) {
    return streamSources(state, requester, Set.of());
  }

  /** As above, never offering a node in {@code stalled} (being re-pointed itself) as a relay. */
  private List<NodeId> streamSources(KeyState state, NodeId requester, Set<NodeId> stalled) {
    NodeId fetcher = state.lease.fetcher;
    List<NodeId> candidates = new ArrayList<>();
    candidates.add(fetcher);
    state.receivers.forEach((node, r) -> {
      if (!node.equals(requester) && !stalled.contains(node) && !nonSources.contains(node)) {
        candidates.add(node);
      }
    });
    // Counted once: asking per candidate made a claim quadratic in the number of receivers.
    Map<NodeId, Integer> children = state.childCounts();
    NodeId first = null;
    if (children.getOrDefault(fetcher, 0) < config.maxUploads()) {
      first = fetcher;
    } else {
      long bestBytes = -1;
      for (NodeId node : candidates) {
        KeyState.Receiver r = state.receivers.get(node);
        if (r != null && children.getOrDefault(node, 0) < config.maxUploads() && r.bytes > bestBytes) {
          first = node;
          bestBytes = r.bytes;
        }
      }
      if (first == null) {
        // Every node is at its fan-out: pick the least burdened rather than refuse.
        int fewest = Integer.MAX_VALUE;
        for (NodeId node : candidates) {
          int count = children.getOrDefault(node, 0);
          if (count < fewest) {
            first = node;
            fewest = count;
          }
        }
      }
    }
    List<NodeId> sources = new ArrayList<>();
    sources.add(first);
    if (!first.equals(fetcher)) {
      sources.add(fetcher);
    }
    return sources;
  }

  /**
   * When even the least loaded holder of a complete object already has {@code maxUploads} uploads
   * (gossiped, or assigned since), the receiver furthest along with a free slot: a crowd asking a few
   * holders at once (a warm LAN) becomes a relay tree rather than N copies through their ports. Null
   * when a holder has room, or no receiver has.
   */
  private NodeId holderRelay(KeyState state, NodeId bestHolder, NodeId requester, long now) {
    if (loads.weight(bestHolder, now) < config.maxUploads()) {
      return null;
    }
    Map<NodeId, Integer> children = state.childCounts();
    NodeId relay = null;
    long relayBytes = -1;
    for (Map.Entry<NodeId, KeyState.Receiver> e : state.receivers.entrySet()) {
      NodeId node = e.getKey();
      if (!node.equals(requester) && !nonSources.contains(node) && children.getOrDefault(node, 0) < config.maxUploads()
          && e.getValue().bytes > relayBytes) {
        relay = node;
        relayBytes = e.getValue().bytes;
      }
    }
    return relay;
  }

  /**
   * Progress from a node this arbiter does not know to be streaming {@code p.key()}: it streams under
   * an arbiter that left or lost the key to this one in a view change, and must still learn the digest
   * its body has to match. Fetchers re-announce themselves on a view change before they report
   * progress, so the sender is a receiver.
   */
  private List<Action> adoptStream(long now, NodeId from, Progress p, KeyState state) {
    if (state.lease == null && state.sha256 != null) {
      return route(now, from, new Announce(p.key(), state.size, state.sha256));
    }
    // The request's id is unknown here; the receiver answers re-pointing by its own stream's id.
    KeyState.Receiver receiver =
        new KeyState.Receiver(state.lease != null ? state.lease.fetcher : from, ADOPTED_REQUEST);
    receiver.bytes = p.bytes();
    state.receivers.put(from, receiver);
    return List.of();
  }

  /** The lease holder is gone or stuck: the receiver furthest along takes over and resumes upstream. */
  private List<Action> recoverLease(long now, ObjectKey key, KeyState state, NodeId failed) {
    state.lease = null;
    NodeId heir = null;
    KeyState.Receiver heirState = null;
    for (Map.Entry<NodeId, KeyState.Receiver> e : state.receivers.entrySet()) {
      if (memberSet.contains(e.getKey()) && !e.getKey().equals(failed) && !nonSources.contains(e.getKey())
          && (heirState == null || e.getValue().bytes > heirState.bytes)) {
        heir = e.getKey();
        heirState = e.getValue();
      }
    }
    if (heir == null) {
      forgetIfEmpty(key, state);
      return List.of(); // Nobody is waiting: the next Want is granted afresh.
    }
    state.receivers.remove(heir);
    state.lease = new KeyState.Lease(heir, heirState.requestId, heirState.bytes, now);
    List<Action> actions = new ArrayList<>(route(now, heir, new Grant(heirState.requestId, key, heirState.bytes)));
    actions.addAll(repointBelow(now, key, state, Set.of(failed)));
    return actions;
  }

  /**
   * Points every receiver below {@code lost} (its children, their children, ...) at a live source. A
   * relay whose own source died stalls its children too, and they would otherwise fetch upstream
   * themselves once their recovery wait ran out.
   */
  private List<Action> repointBelow(long now, ObjectKey key, KeyState state, Set<NodeId> lost) {
    Set<NodeId> affected = new HashSet<>(lost);
    List<Action> actions = new ArrayList<>();
    boolean grew = true;
    while (grew) {
      grew = false;
      for (Map.Entry<NodeId, KeyState.Receiver> e : state.receivers.entrySet()) {
        if (!affected.contains(e.getKey()) && affected.contains(e.getValue().parent)) {
          affected.add(e.getKey());
          // Not yet pointed anywhere: streamSources must not count it as a child of its old parent.
          e.getValue().parent = e.getKey();
          List<NodeId> sources = streamSources(state, e.getKey(), affected);
          e.getValue().parent = sources.get(0);
          actions.addAll(route(now, e.getKey(), new StreamFrom(e.getValue().requestId, key, sources)));
          grew = true;
        }
      }
    }
    return actions;
  }

  // ---- helpers

  /**
   * Records {@code from} as a holder of the object with {@code size} and {@code sha256}, which become the
   * object's identity when none is known yet. False, and {@code from} is no holder, when they disagree with
   * the known ones: a known digest is never replaced.
   */
  private static boolean claim(KeyState state, NodeId from, long size, Sha256 sha256) {
    if (state.sha256 == null) {
      state.size = size;
      state.sha256 = sha256;
    } else if (state.size != size || !state.sha256.equals(sha256)) {
      state.holders.remove(from);
      return false;
    }
    state.receivers.remove(from);
    state.holders.put(from, Boolean.TRUE);
    return true;
  }

  /** The key an arbiter's answer is about, or null when {@code message} is no answer. */
  private static ObjectKey answerKey(Message message) {
    if (message instanceof Grant g) {
      return g.key();
    } else if (message instanceof StreamFrom s) {
      return s.key();
    } else if (message instanceof FetchFrom f) {
      return f.key();
    } else if (message instanceof Announce a) {
      return a.key();
    }
    return null;
  }

  private List<Action> reject(RejectReason reason) {
    rejected.merge(reason, 1L, Long::sum);
    return List.of();
  }

  private static final long NO_REQUEST = Long.MIN_VALUE;

  /**
   * The id of this node's own request that an arbiter's answer about {@code key} is for: {@code
   * requestId} when it is waiting, else the one request waiting for or streaming {@code key} (an arbiter
   * that adopted the stream after a view change does not know the id), else {@link #NO_REQUEST}.
   */
  private long localRequest(long requestId, ObjectKey key) {
    if (pending.containsKey(requestId)) {
      return requestId;
    }
    Stream stream = receiving.get(key);
    if (stream != null) {
      return stream.requestId();
    }
    for (Map.Entry<Long, Pending> e : pending.entrySet()) {
      if (e.getValue().key().equals(key) && e.getValue().phase() != Phase.ASKING) {
        return e.getKey();
      }
    }
    return NO_REQUEST;
  }

  /**
   * This node fetches {@code key} upstream without a lease (the cluster did not answer, or every source
   * failed). It still tells the arbiter, so that later requesters stream from it rather than being
   * granted a second fetch.
   */
  private List<Action> fetchAlone(long now, long requestId, ObjectKey key, String url) {
    List<Action> actions = new ArrayList<>();
    actions.add(new Action.FetchUpstream(requestId, key, url, 0));
    if (fetching.putIfAbsent(key, new Local(url, -1, null)) == null && shares) {
      actions.addAll(route(now, arbiterOf(key), new Fetching(key, url, 0)));
    }
    return actions;
  }

  /** How this node asks for an object: a {@link Want}, or a {@link Take} when it serves nobody. */
  private Message ask(long requestId, ObjectKey key, String url) {
    return shares ? new Want(requestId, key, url) : new Take(requestId, key, url);
  }

  private List<Action> route(long now, NodeId to, Message message) {
    if (to.equals(self)) {
      return onMessage(now, self, message);
    }
    return List.of(new Action.Send(to, message));
  }

  private KeyState stateOf(ObjectKey key) {
    return arbitrated.computeIfAbsent(key, k -> new KeyState());
  }

  /** At most {@code max} chars, never splitting a surrogate pair (which has no UTF-8 form). */
  static String clip(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end);
  }

  private void forgetIfEmpty(ObjectKey key, KeyState state) {
    if (state.isEmpty()) {
      arbitrated.remove(key);
    }
  }

  private boolean arbiterMoved(ObjectKey key, List<NodeId> oldView) {
    return !Rendezvous.owner(key, oldView).equals(arbiterOf(key));
  }

  // ---- read-only views for status pages and tests

  /** Keys this node arbitrates and the holders it knows of each. */
  public Map<ObjectKey, List<NodeId>> holdersByKey() {
    Map<ObjectKey, List<NodeId>> out = new LinkedHashMap<>();
    arbitrated.forEach((k, s) -> out.put(k, List.copyOf(s.holders.keySet())));
    return out;
  }

  /** Keys this node arbitrates whose fetch lease is held, and by whom. */
  public Map<ObjectKey, NodeId> leases() {
    Map<ObjectKey, NodeId> out = new LinkedHashMap<>();
    arbitrated.forEach((k, s) -> {
      if (s.lease != null) {
        out.put(k, s.lease.fetcher);
      }
    });
    return out;
  }
}
