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
import dev.potluck.scheduler.Steer;
import dev.potluck.scheduler.Steering;
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
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's part in the cluster: feeds the {@link Scheduler} the node's events (local misses, group
 * views, messages, progress, time) and performs the actions it returns — sending messages, and handing
 * the ones about local misses to {@link Steering}, whose {@link Steer}s it performs on each
 * {@link RoutedFetch}: to upstream or to a peer, timers, reports back to the scheduler. It decides
 * nothing itself; it tells steering which sources it can reach (not blocklisted, peer API known).
 *
 * <p>Confined to the node's context. JGroups calls in on its own threads and is answered on the
 * context; messages go out on a thread of their own, because a send may block under flow control.
 */
public final class Swarm implements MissRouter {

  private static final Logger log = LoggerFactory.getLogger(Swarm.class);

  /** How often timeouts are checked, progress reported and load sent (each at its own pace). */
  static final long TICK_MILLIS = 100;

  /** How often this node tells the others what it is doing (for their dashboards). */
  static final long ACTIVITY_INTERVAL_MILLIS = 1_000;

  /** How long {@link #stop} waits for mDNS's goodbye to go out. */
  private static final long GOODBYE_WAIT_MILLIS = 3_000;

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
  /**
   * Milliseconds, for the scheduler, load ages and activity reports: the one time of day the swarm reads
   * (only the stopwatch timing scheduler calls, a metric, reads {@link System#nanoTime} itself).
   */
  private final LongSupplier clock;
  private final CompletableFuture<JGroupsCluster> cluster = new CompletableFuture<>();
  /** Outgoing messages, in order, on a thread of their own; bounded, so a stuck member costs little heap. */
  private final SendQueue sender = new SendQueue("potluck-cluster-send", SendQueue.DEFAULT_CAPACITY);
  /** The local misses: modes, upstream slots, sources in order, busy rounds. */
  private final Steering<RoutedFetch> steering;
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
      UploadMeter uploads, String version, Timings timings, LongSupplier clock, long startedAtMillis) {
    this.vertx = vertx;
    this.timings = timings;
    this.clock = clock;
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
    this.steering = new Steering<>(RoutedFetch::key, RoutedFetch::isOver, member -> peers.endpoint(member) != null,
        cache::demand, FetchQueue.DEFAULT_MAX_RUNNING, this::steer);
  }

  /**
   * Joins the group (and mDNS when enabled), then routes {@code cache}'s misses through the cluster.
   * Must be called on the node's context.
   *
   * @param clock the time in milliseconds, on the scale of {@code startedAtMillis} (the dashboard compares
   *     load ages with the wall clock)
   * @param startedAtMillis when the node started, for the uptime it gossips
   */
  public static Future<Swarm> start(Vertx vertx, SwarmSettings settings, NodeId self, LocalCache cache, FileStore store,
      UploadMeter uploads, String version, Timings timings, LongSupplier clock, long startedAtMillis) {
    Context context = vertx.getOrCreateContext();
    Swarm swarm = new Swarm(vertx, context, settings, self, cache, store, uploads, version, timings, clock,
        startedAtMillis);
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
    long id = steering.start(fetch);
    decide(s -> s.onRequest(now(), id, fetch.key(), fetch.url().toString()));
  }

  @Override
  public void sourceFailed(RoutedFetch fetch, Throwable cause) {
    if (!steering.steers(fetch)) {
      return;
    }
    NodeId source = steering.source(fetch);
    if (cause instanceof VerificationException && source != null) {
      // It served something the object's authority rules out: never asked again.
      distrust(source, fetch, cause);
    }
    steering.sourceFailed(fetch, cause instanceof PeerBusyException);
  }

  @Override
  public void stored(RoutedFetch fetch, long size, Sha256 sha256) {
    steering.stored(fetch, size, sha256);
  }

  @Override
  public void failed(RoutedFetch fetch, Throwable cause) {
    NodeId servedBy = steering.failed(fetch, String.valueOf(cause.getMessage()));
    if (cause instanceof VerificationException && servedBy != null) {
      distrust(servedBy, fetch, cause);
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
        steering.upstreamGranted(fetch);
      } else if (action instanceof Action.StreamFromPeers stream) {
        steering.streamFrom(stream);
      } else if (action instanceof Action.FetchFromHolders holders) {
        steering.takeFromHolders(holders);
      } else if (action instanceof Action.ExpectDigest expect) {
        // The transfer waits for it (ResponseFeed), and completes or gives up.
        cache.expectDigest(expect.key(), expect.sha256());
      }
    }
  }

  /** Performs what steering decided for one request. */
  private void steer(Steer<RoutedFetch> step) {
    if (step instanceof Steer.FromPeer<RoutedFetch> peer) {
      RoutedFetch fetch = peer.fetch();
      PeerDirectory.Endpoint endpoint = peers.endpoint(peer.peer());
      log.debug("{} from peer {} at {}:{}", fetch.url(), peer.peer(), endpoint.hostAddress(), endpoint.port());
      fetch.fromPeer(endpoint.hostAddress(), endpoint.port(), secret, peer.expected());
    } else if (step instanceof Steer.FromUpstream<RoutedFetch> upstream) {
      RoutedFetch fetch = upstream.fetch();
      if (fetch.received() > 0) {
        log.info("taking over the fetch of {} from upstream at byte {}", fetch.url(), fetch.received());
      }
      fetch.fromUpstream();
    } else if (step instanceof Steer.RetryLater<RoutedFetch> retry) {
      vertx.setTimer(retry.millis(), t -> steering.retry(retry.requestId()));
    } else if (step instanceof Steer.TellSourcesFailed<RoutedFetch> failed) {
      String url = failed.fetch().url().toString();
      decide(s -> failed.streaming()
          ? s.onLocalStreamFailed(now(), failed.requestId(), failed.key(), url)
          : s.onLocalSourcesFailed(now(), failed.requestId(), failed.key(), url));
    } else if (step instanceof Steer.TellFetchFailed<RoutedFetch> failed) {
      decide(s -> s.onLocalFetchFailed(now(), failed.key(), failed.reason()));
    } else if (step instanceof Steer.TellGaveUp<RoutedFetch> gaveUp) {
      decide(s -> s.onLocalGaveUp(now(), gaveUp.requestId(), gaveUp.key()));
    } else if (step instanceof Steer.TellHave<RoutedFetch> have) {
      String url = have.fetch().url().toString();
      decide(s -> have.upstream()
          ? s.onLocalFetchDone(now(), have.key(), url, have.size(), have.sha256())
          : s.onLocalHave(now(), have.key(), url, have.size(), have.sha256()));
    } else {
      // Complete, Abandon and AwaitDigest come of bodyWhole, which the node leaves to its transfers.
      throw new IllegalStateException("unexpected " + step);
    }
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
    for (RoutedFetch fetch : steering.fetches()) {
      if (steering.pastAsking(fetch) && fetch.received() > 0) {
        decide(s -> s.onLocalProgress(now, fetch.key(), fetch.received()));
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
    return new Message.Load(uploads.activeUploads(), uploads.uploadBytesPerSecond(), steering.size(),
        store.stats().usedBytes(), peerPort, version);
  }

  private long now() {
    return clock.getAsLong();
  }

  // ---- read-only views

  /** This node's activity now, as it gossips it. */
  public Message.Activity activity() {
    return activity.build(now(), new ActivityReport.Sources() {
      @Override
      public boolean decided(ObjectKey key) {
        return steering.decided(key);
      }

      @Override
      public NodeId peerOf(ObjectKey key) {
        return steering.peerOf(key);
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
