package dev.potluck.node.swarm;

import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.cache.MissRouter;
import dev.potluck.node.cache.PeerBusyException;
import dev.potluck.node.cache.RoutedFetch;
import dev.potluck.node.cluster.ClusterSettings;
import dev.potluck.node.cluster.JGroupsCluster;
import dev.potluck.node.cluster.mdns.MdnsDirectory;
import dev.potluck.node.cluster.mdns.PotluckService;
import dev.potluck.node.metrics.Timings;
import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.transfer.VerificationException;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.Action;
import dev.potluck.scheduler.FetchQueue;
import dev.potluck.scheduler.RejectReason;
import dev.potluck.scheduler.Scheduler;
import dev.potluck.scheduler.freshness.ObjectKind;
import dev.potluck.scheduler.freshness.RequestCacheControl;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's part in the cluster: feeds the {@link Scheduler} the node's events (local misses, group
 * views, messages, progress, time) and performs the actions it returns — sending messages, and
 * steering each {@link RoutedFetch} to upstream or to peers. It decides nothing itself, except which of
 * the sources the scheduler offered it can reach: blocklisted and unknown peers are skipped.
 *
 * <p>Confined to the node's context. JGroups calls in on its own threads and is answered on the
 * context; messages go out on a thread of their own, because a send may block under flow control.
 */
public final class Swarm implements MissRouter {

  private static final Logger log = LoggerFactory.getLogger(Swarm.class);

  /** How often timeouts are checked, progress reported and load sent (each at its own pace). */
  static final long TICK_MILLIS = 100;
  /** How long a request whose sources were all busy waits before asking them again, and how often. */
  static final long BUSY_RETRY_MILLIS = 250;
  static final int MAX_BUSY_ROUNDS = 40;

  /** How often this node tells the others what it is doing (for their dashboards). */
  static final long ACTIVITY_INTERVAL_MILLIS = 1_000;

  /** How long {@link #stop} waits for mDNS's goodbye to go out. */
  private static final long GOODBYE_WAIT_MILLIS = 3_000;

  private enum Mode { ASKING, QUEUED, UPSTREAM, STREAM, HOLDERS }

  /** One local miss the scheduler is steering. */
  private static final class Request {
    final long id;
    final RoutedFetch fetch;
    Mode mode = Mode.ASKING;
    List<NodeId> sources = List.of();
    int next;
    NodeId current;
    Sha256 expected;
    /** Some source of the current list answered 503 (busy), so the list is worth another round. */
    boolean sawBusy;
    int busyRounds;

    Request(long id, RoutedFetch fetch) {
      this.id = id;
      this.fetch = fetch;
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final Scheduler scheduler;
  private final LocalCache cache;
  private final FileStore store;
  private final UploadMeter uploads;
  private final byte[] secret;
  private final int peerPort;
  private final String version;
  private final PeerDirectory peers;
  private final Timings timings;
  private final CompletableFuture<JGroupsCluster> cluster = new CompletableFuture<>();
  /** Outgoing messages, in order, on a thread of their own; bounded, so a stuck member costs little heap. */
  private final SendQueue sender = new SendQueue("potluck-cluster-send", SendQueue.DEFAULT_CAPACITY);
  private final FetchQueue fetchQueue = new FetchQueue(FetchQueue.DEFAULT_MAX_RUNNING);
  private final Map<Long, Request> requests = new HashMap<>();
  private final Map<ObjectKey, Request> byKey = new HashMap<>();
  private long nextRequestId = 1;
  private long timer = -1;
  private volatile MdnsDirectory mdns;
  private long messagesSent;
  private long messagesReceived;
  /**
   * What the members last gossiped, for the dashboard; only members of the view. A member sends its load
   * to members that join the view and to the arbiters of the keys it holds, not to everyone, so the one
   * here may be old: {@link #loadsHeardAt} says when it came.
   */
  private final Map<NodeId, Message.Load> loads = new HashMap<>();
  private final Map<NodeId, Long> loadsHeardAt = new HashMap<>();
  /**
   * Loads from senders not in the view yet: a member tells a newcomer its load (and peer port) once,
   * and the newcomer may hear it before it installs the view that has the sender. Kept until a view has
   * the sender; bounded.
   */
  private final Map<NodeId, Message.Load> earlyLoads = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<NodeId, Message.Load> eldest) {
      return size() > MAX_EARLY_LOADS;
    }
  };
  private static final int MAX_EARLY_LOADS = 4_096;
  private final Map<NodeId, Message.Activity> activities = new HashMap<>();
  private final ActivityReport activity;
  private long lastActivityAt;
  private Runnable viewListener = () -> { };

  private Swarm(Vertx vertx, Context context, SwarmSettings settings, NodeId self, LocalCache cache, FileStore store,
      UploadMeter uploads, String version, Timings timings, long startedAtMillis) {
    this.vertx = vertx;
    this.timings = timings;
    this.context = context;
    this.scheduler = new Scheduler(self, settings.scheduler(), settings.shares());
    this.cache = cache;
    this.store = store;
    this.uploads = uploads;
    this.secret = settings.cluster().secret() == null ? null : settings.cluster().secret().clone();
    this.peerPort = settings.peerPort();
    this.version = version;
    this.activity = new ActivityReport(cache, store, startedAtMillis, settings.shares());
    this.peers = new PeerDirectory(self, member -> {
      JGroupsCluster c = cluster.getNow(null);
      return c == null ? null : c.hostOf(member);
    });
  }

  /**
   * Joins the group (and mDNS when enabled), then routes {@code cache}'s misses through the cluster.
   * Must be called on the node's context.
   *
   * @param startedAtMillis when the node started, for the uptime it gossips
   */
  public static Future<Swarm> start(Vertx vertx, SwarmSettings settings, NodeId self, LocalCache cache, FileStore store,
      UploadMeter uploads, String version, Timings timings, long startedAtMillis) {
    Context context = vertx.getOrCreateContext();
    Swarm swarm = new Swarm(vertx, context, settings, self, cache, store, uploads, version, timings, startedAtMillis);
    AtomicReference<MdnsDirectory> directory = new AtomicReference<>();
    ClusterSettings clusterSettings = settings.mdns()
        ? settings.cluster().withDiscovered(() -> {
            MdnsDirectory d = directory.get();
            return d == null ? List.of() : d.addresses();
          })
        : settings.cluster();
    return vertx.executeBlocking(() -> {
      JGroupsCluster joined = JGroupsCluster.join(clusterSettings, self, swarm.new Events());
      log.info("cluster '{}': node {} on {}:{}, peer API on port {}, {} seed(s), mDNS {}", clusterSettings.clusterName(),
          self, clusterSettings.bind().getHostAddress(), joined.localPort(), settings.peerPort(),
          clusterSettings.seeds().size(), settings.mdns() ? "on" : "off");
      if (settings.mdns()) {
        try {
          directory.set(MdnsDirectory.start(clusterSettings.bind(), new PotluckService(self,
              clusterSettings.clusterName(), settings.peerPort(), joined.localPort())));
        } catch (java.io.IOException | RuntimeException e) {
          log.warn("mDNS discovery is off: {}; peers are found through --seed only", e.toString());
        }
      }
      return joined;
    }).map(joined -> {
      swarm.joined(joined, directory.get());
      cache.routeMissesWith(swarm);
      return swarm;
    });
  }

  private void joined(JGroupsCluster joined, MdnsDirectory directory) {
    cluster.complete(joined);
    mdns = directory;
    long now = now();
    // What this node already holds (from before a restart) is shareable at once.
    for (StoredObject object : store.list()) {
      if (isShareable(object) && cache.offers(object)) {
        decide(s -> s.onLocalHave(now, object.key(), object.meta().url(), object.size(), object.meta().sha256()));
      }
    }
    timer = vertx.setPeriodic(TICK_MILLIS, t -> tick());
  }

  /**
   * Whether peers may be offered this stored object, as for misses: immutable kinds, and anything kept
   * under its content's digest (an index its signed Release listed), never mutable metadata by URL.
   */
  private static boolean isShareable(StoredObject object) {
    try {
      CanonicalUrl url = CanonicalUrl.parse(object.meta().url());
      return ObjectKind.ofPath(url.pathAndQuery()) == ObjectKind.IMMUTABLE || !object.key().equals(ObjectKey.of(url));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Leaves the group and stops announcing. Blocks: call it from outside Vert.x. */
  public void stop() {
    context.runOnContext(v -> vertx.cancelTimer(timer));
    MdnsDirectory directory = mdns;
    CompletableFuture<Void> goodbye = directory == null
        ? CompletableFuture.completedFuture(null) : directory.closeAsync();
    sender.shutdown();
    try {
      sender.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    JGroupsCluster joined = cluster.getNow(null);
    if (joined != null) {
      joined.close();
    }
    try {
      goodbye.get(GOODBYE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.debug("mDNS goodbye: {}", e.toString());
    }
  }

  // ---- the cache's misses

  @Override
  public void route(RoutedFetch fetch) {
    Request request = new Request(nextRequestId++, fetch);
    requests.put(request.id, request);
    byKey.put(fetch.key(), request);
    decide(s -> s.onRequest(now(), request.id, fetch.key(), fetch.url().toString()));
  }

  @Override
  public void sourceFailed(RoutedFetch fetch, Throwable cause) {
    Request request = byKey.get(fetch.key());
    if (request != null && request.fetch == fetch) {
      request.sawBusy |= cause instanceof PeerBusyException;
      if (cause instanceof VerificationException && request.current != null) {
        // It served something the object's authority rules out: never asked again.
        distrust(request.current, fetch, cause);
      }
      tryNextSource(request);
    }
  }

  @Override
  public void stored(RoutedFetch fetch, long size, Sha256 sha256) {
    Request request = forget(fetch);
    if (request == null) {
      return;
    }
    String url = fetch.url().toString();
    releaseFetchSlot(request, fetch.key());
    decide(s -> request.mode == Mode.UPSTREAM
        ? s.onLocalFetchDone(now(), fetch.key(), url, size, sha256)
        : s.onLocalHave(now(), fetch.key(), url, size, sha256));
  }

  @Override
  public void failed(RoutedFetch fetch, Throwable cause) {
    Request request = forget(fetch);
    if (request == null) {
      return;
    }
    releaseFetchSlot(request, fetch.key());
    if (request.mode == Mode.UPSTREAM || request.mode == Mode.QUEUED) {
      decide(s -> s.onLocalFetchFailed(now(), fetch.key(), String.valueOf(cause.getMessage())));
      return;
    }
    decide(s -> s.onLocalGaveUp(now(), request.id, fetch.key()));
    if (cause instanceof VerificationException && request.current != null) {
      distrust(request.current, fetch, cause);
      // Take the object elsewhere now, so that the client's retry finds it here.
      cache.open(fetch.url(), RequestCacheControl.NONE, false, null);
    }
  }

  @Override
  public Keeper keeperOf(ObjectKey urlKey) {
    NodeId keeper = scheduler.arbiterOf(urlKey);
    PeerDirectory.Endpoint endpoint = keeper == null ? null : peers.endpoint(keeper);
    return endpoint == null ? null : new Keeper(keeper, endpoint.hostAddress(), endpoint.port());
  }

  @Override
  public void renewed(CanonicalUrl url, Sha256 sha256) {
    send(null, new Message.Renewed(url.toString(), sha256));
  }

  @Override
  public byte[] peerSecret() {
    return secret == null ? null : secret.clone();
  }

  @Override
  public void keeperFailed(Keeper keeper, String why) {
    log.warn("blocklisting peer {}: {}", keeper.member(), why);
    peers.blocklist(keeper.member(), why);
  }

  @Override
  public void holds(ObjectKey key, String url, long size, Sha256 sha256) {
    decide(s -> s.onLocalHave(now(), key, url, size, sha256));
  }

  @Override
  public void dropped(ObjectKey key) {
    decide(s -> s.onLocalDrop(now(), key));
  }

  /** {@code peer} served {@code fetch}'s object wrong: never asked again, and asked to check its copy. */
  private void distrust(NodeId peer, RoutedFetch fetch, Throwable cause) {
    log.warn("blocklisting peer {}: it served {} wrong ({})", peer, fetch.url(), cause.getMessage());
    peers.blocklist(peer, cause.getMessage());
    PeerDirectory.Endpoint endpoint = peers.address(peer);
    if (endpoint != null) {
      // Its copy may have rotted on disk: it re-reads it against its own authority, and drops it if so.
      cache.askPeerToRecheck(endpoint.hostAddress(), endpoint.port(), secret, fetch.key());
    }
  }

  private Request forget(RoutedFetch fetch) {
    Request request = byKey.get(fetch.key());
    if (request == null || request.fetch != fetch) {
      return null;
    }
    byKey.remove(fetch.key());
    requests.remove(request.id);
    return request;
  }

  // ---- the scheduler's actions

  /** Asks the scheduler (timed: its latency is a metric), then performs what it decided. */
  private void decide(Function<Scheduler, List<Action>> call) {
    long start = System.nanoTime();
    List<Action> actions = call.apply(scheduler);
    timings.schedulerCall(System.nanoTime() - start);
    perform(actions);
  }

  private void perform(List<Action> actions) {
    for (Action action : actions) {
      if (action instanceof Action.Send send) {
        send(send.to(), send.message());
      } else if (action instanceof Action.Broadcast broadcast) {
        send(null, broadcast.message());
      } else if (action instanceof Action.FetchUpstream fetch) {
        fetchUpstream(fetch);
      } else if (action instanceof Action.StreamFromPeers stream) {
        takeFromPeers(stream.requestId(), Mode.STREAM, stream.sources(), null);
      } else if (action instanceof Action.FetchFromHolders holders) {
        takeFromPeers(holders.requestId(), Mode.HOLDERS, holders.holders(), holders.sha256());
      } else if (action instanceof Action.ExpectDigest expect) {
        cache.expectDigest(expect.key(), expect.sha256());
      }
    }
  }

  private void fetchUpstream(Action.FetchUpstream action) {
    Request request = requests.get(action.requestId());
    if (request == null || request.fetch.isOver()) {
      // A lease for a request that has ended: hand it straight back.
      decide(s -> s.onLocalFetchFailed(now(), action.key(), "the request it was granted for has ended"));
      return;
    }
    request.mode = Mode.QUEUED;
    fetchQueue.offer(action).ifPresent(this::startUpstream);
  }

  private void startUpstream(Action.FetchUpstream action) {
    Request request = requests.get(action.requestId());
    if (request == null || request.fetch.isOver() || request.mode != Mode.QUEUED) {
      // Ended or re-pointed while it waited for a slot.
      fetchQueue.finished(action.key(), cache::demand).ifPresent(this::startUpstream);
      if (request == null || request.fetch.isOver()) {
        decide(s -> s.onLocalFetchFailed(now(), action.key(), "the request it was granted for has ended"));
      }
      return;
    }
    if (request.fetch.received() > 0) {
      log.info("taking over the fetch of {} from upstream at byte {}", request.fetch.url(), request.fetch.received());
    }
    request.mode = Mode.UPSTREAM;
    request.current = null;
    request.fetch.fromUpstream();
  }

  /** This request no longer fetches upstream (or waits to): its slot goes to the most wanted waiting fetch. */
  private void releaseFetchSlot(Request request, ObjectKey key) {
    if (request.mode == Mode.UPSTREAM || request.mode == Mode.QUEUED) {
      fetchQueue.finished(key, cache::demand).ifPresent(this::startUpstream);
    }
  }

  private void takeFromPeers(long requestId, Mode mode, List<NodeId> sources, Sha256 expected) {
    Request request = requests.get(requestId);
    if (request == null || request.fetch.isOver()) {
      return;
    }
    releaseFetchSlot(request, request.fetch.key());
    request.mode = mode;
    request.sources = sources;
    request.next = 0;
    request.expected = expected;
    tryNextSource(request);
  }

  /** The next offered source this node can reach; when none is left, the scheduler says what next. */
  private void tryNextSource(Request request) {
    while (request.next < request.sources.size()) {
      NodeId candidate = request.sources.get(request.next++);
      PeerDirectory.Endpoint endpoint = peers.endpoint(candidate);
      if (endpoint != null) {
        request.current = candidate;
        log.debug("{} from peer {} at {}:{}", request.fetch.url(), candidate, endpoint.hostAddress(), endpoint.port());
        request.fetch.fromPeer(endpoint.hostAddress(), endpoint.port(), secret, request.expected);
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
      vertx.setTimer(BUSY_RETRY_MILLIS, t -> {
        if (requests.get(request.id) == request && request.current == null && !request.fetch.isOver()) {
          tryNextSource(request);
        }
      });
      return;
    }
    String url = request.fetch.url().toString();
    decide(s -> request.mode == Mode.STREAM
        ? s.onLocalStreamFailed(now(), request.id, request.fetch.key(), url)
        : s.onLocalSourcesFailed(now(), request.id, request.fetch.key(), url));
  }

  private void send(NodeId to, Message message) {
    messagesSent++;
    sender.offer(() -> transmit(to, message));
  }

  /** On the sender thread: waits until the group is joined, then sends. */
  private void transmit(NodeId to, Message message) {
    try {
      JGroupsCluster joined = cluster.get();
      if (to == null) {
        joined.broadcast(message);
      } else {
        joined.send(to, message);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.debug("could not send {} to {}: {}", message.getClass().getSimpleName(), to, e.toString());
    }
  }

  // ---- time

  private void tick() {
    long now = now();
    for (Request request : requests.values()) {
      if (request.mode != Mode.ASKING && request.fetch.received() > 0) {
        decide(s -> s.onLocalProgress(now, request.fetch.key(), request.fetch.received()));
      }
    }
    Message.Load load = localLoad();
    decide(s -> s.onTick(now, load));
    if (now - lastActivityAt >= ACTIVITY_INTERVAL_MILLIS) {
      lastActivityAt = now;
      send(null, activity());
    }
  }

  /** This node's load now, as it gossips it. */
  public Message.Load localLoad() {
    return new Message.Load(uploads.activeUploads(), uploads.uploadBytesPerSecond(), requests.size(),
        store.stats().usedBytes(), peerPort, version);
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  // ---- read-only views

  /** This node's activity now, as it gossips it. */
  public Message.Activity activity() {
    return activity.build(now(), new ActivityReport.Sources() {
      @Override
      public boolean decided(ObjectKey key) {
        Request r = byKey.get(key);
        return r != null && (r.mode == Mode.UPSTREAM
            || ((r.mode == Mode.STREAM || r.mode == Mode.HOLDERS) && r.current != null));
      }

      @Override
      public NodeId peerOf(ObjectKey key) {
        Request r = byKey.get(key);
        return r == null || r.mode == Mode.UPSTREAM ? null : r.current;
      }
    });
  }

  /**
   * The load each other member last sent this node. Members send it to newcomers and to the arbiters of
   * the keys they hold, not to everyone, so it may be old: see {@link #loadsHeardAt}.
   */
  public Map<NodeId, Message.Load> loads() {
    return Map.copyOf(loads);
  }

  /** When each member's load in {@link #loads} arrived, in milliseconds since the epoch. */
  public Map<NodeId, Long> loadsHeardAt() {
    return Map.copyOf(loadsHeardAt);
  }

  /** The activity each other member last gossiped. */
  public Map<NodeId, Message.Activity> activities() {
    return Map.copyOf(activities);
  }

  /** Runs {@code listener} on the node's context after every view change. */
  public void onViewChanged(Runnable listener) {
    this.viewListener = listener;
  }

  /** The current view, this node included, sorted. */
  public List<NodeId> members() {
    return scheduler.members();
  }

  /** Want requests this node has decided as an arbiter. */
  public long decisions() {
    return scheduler.decisions();
  }

  /** Cluster messages the scheduler refused, by reason (a snapshot). */
  public Map<RejectReason, Long> rejected() {
    return scheduler.rejected();
  }

  /** The member that arbitrates {@code key} in the current view. */
  public NodeId arbiterOf(ObjectKey key) {
    return scheduler.arbiterOf(key);
  }

  /** The holders this node knows of for each key it arbitrates (other keys' holders are known to their arbiters). */
  public Map<ObjectKey, List<NodeId>> holdersByKey() {
    return scheduler.holdersByKey();
  }

  public Map<NodeId, String> blocklisted() {
    return peers.blocklisted();
  }

  /** Cluster messages this node has sent and received. */
  public long messagesSent() {
    return messagesSent;
  }

  /** Cluster messages dropped because the send queue was full (a member stopped reading). */
  public long messagesDropped() {
    return sender.dropped();
  }

  public long messagesReceived() {
    return messagesReceived;
  }

  /** Where each other member's peer API is, where known (blocklisted members included). */
  public Map<NodeId, String> peerAddresses() {
    Map<NodeId, String> out = new LinkedHashMap<>();
    for (NodeId member : scheduler.members()) {
      PeerDirectory.Endpoint endpoint = peers.address(member);
      if (endpoint != null) {
        out.put(member, endpoint.hostAddress() + ":" + endpoint.port());
      }
    }
    return out;
  }

  /** JGroups' callbacks, handed to the node's context. */
  private final class Events implements JGroupsCluster.Listener {
    @Override
    public void onView(List<NodeId> members) {
      context.runOnContext(v -> {
        peers.view(members);
        loads.keySet().retainAll(members);
        loadsHeardAt.keySet().retainAll(members);
        for (NodeId member : members) {
          Message.Load early = earlyLoads.remove(member);
          if (early != null) {
            peers.port(member, early.peerPort());
            loads.put(member, early);
            loadsHeardAt.put(member, now());
          }
        }
        activities.keySet().retainAll(members);
        decide(s -> s.onViewChanged(now(), members));
        viewListener.run();
      });
    }

    @Override
    public void onMessage(NodeId from, Message message) {
      context.runOnContext(v -> {
        messagesReceived++;
        if (message instanceof Message.Activity report) {
          // For people watching; the scheduler has no use for it.
          if (scheduler.members().contains(from)) {
            activities.put(from, report);
          }
          return;
        }
        if (message instanceof Message.Renewed renewed) {
          if (scheduler.members().contains(from)) {
            try {
              cache.renewedElsewhere(CanonicalUrl.parse(renewed.url()), renewed.sha256(), from.toString());
            } catch (IllegalArgumentException e) {
              log.debug("ignoring Renewed from {}: {}", from, e.getMessage());
            }
          }
          return;
        }
        if (message instanceof Message.Load load) {
          peers.port(from, load.peerPort());
          if (scheduler.members().contains(from)) {
            loads.put(from, load);
            loadsHeardAt.put(from, now());
          } else {
            earlyLoads.put(from, load);
          }
        }
        decide(s -> s.onMessage(now(), from, message));
      });
    }
  }
}
