package dev.potluck.node;

import dev.potluck.dashboard.ApiRoutes;
import dev.potluck.dashboard.TrustStatus;
import dev.potluck.node.trust.Authorities;
import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.AptMetadataFinder;
import dev.potluck.node.trust.NodeTrust;

import dev.potluck.dashboard.CachedObject;
import dev.potluck.dashboard.ClusterStatus;
import dev.potluck.dashboard.Dashboard;
import dev.potluck.dashboard.SavingsHistory;
import dev.potluck.node.cluster.ClusterSettings;
import dev.potluck.node.config.SwarmConfig;
import dev.potluck.node.http.UploadLimits;
import dev.potluck.node.metrics.NodeMetrics;
import dev.potluck.node.metrics.Timings;
import io.vertx.core.http.HttpHeaders;
import dev.potluck.node.swarm.Swarm;
import dev.potluck.node.swarm.SwarmSettings;
import dev.potluck.node.swarm.UploadMeter;
import dev.potluck.scheduler.SchedulerConfig;
import java.util.ArrayList;
import java.util.List;
import dev.potluck.dashboard.NodeStatus;
import dev.potluck.node.cache.CacheCounters;
import dev.potluck.node.cache.ImportedFiles;
import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.config.HostPort;
import dev.potluck.node.config.NodeConfig;
import dev.potluck.node.http.AccessPolicy;
import dev.potluck.node.http.ClientFront;
import dev.potluck.node.http.ConnectionChannels;
import dev.potluck.node.http.ConnectionGuard;
import dev.potluck.node.http.PeerFront;
import dev.potluck.node.http.PeerSettings;
import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.StoreStats;
import dev.potluck.node.upstream.Upstream;
import dev.potluck.node.store.NodeIdentity;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.freshness.FreshnessPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;

/**
 * One running node: the only place that constructs and connects the parts. Everything that holds
 * state runs on one Vert.x context; blocking disk work goes to worker threads.
 */
public final class PotluckNode {

  private final Vertx vertx;
  private final ConnectionChannels channels;
  private final NodeConfig config;
  private final FileStore store;
  private final NodeId id;
  private final Upstream upstream;
  private final LocalCache cache;
  private final Context context;
  /** The package caches offered read-only, or null; scanned on workers, {@link #scanImports} on the context. */
  private final ImportedFiles imports;
  private boolean importScanRunning;
  private boolean importScanWanted;
  private long lastImportScanAt;
  /** The event loop every stateful part is confined to (request handlers run on duplicates of {@link #context}, on this thread). */
  private final Thread loopThread;
  private final long startedAtMillis = System.currentTimeMillis();
  /**
   * Connections the client listener keeps open at most: room for a thousand package managers at once.
   * A request head must arrive within {@link #REQUEST_HEAD_TIMEOUT_MILLIS} of a connection opening or
   * of its last response ending (see {@link ConnectionGuard}).
   */
  static final int MAX_CLIENT_CONNECTIONS = 2_048;
  /** Connections the peer listener keeps open at most: other nodes only, each with a few. */
  static final int MAX_PEER_CONNECTIONS = 256;
  public static final long REQUEST_HEAD_TIMEOUT_MILLIS = 20_000;
  /**
   * How often published objects past their max age are dropped. Until then they are already no longer
   * offered to peers ({@link LocalCache#offers}).
   */
  static final long EXPIRY_CHECK_MILLIS = 1_000;
  /**
   * How often imported package caches are looked at again (besides each time the authorities learn from
   * fetched metadata); only new or changed files are read.
   */
  static final long IMPORT_SCAN_MILLIS = 30_000;
  /** The least time between two scans of the imported caches. */
  static final long IMPORT_SCAN_SPACING_MILLIS = 2_000;

  private HttpServer server;
  /** Set when the client listener starts; closed by {@link #stop}. */
  private volatile NodeMetrics metrics;
  private HttpServer peerServer;
  private ConnectionGuard clientGuard;
  private ConnectionGuard peerGuard;
  private String peerHost;
  private PeerFront peerFront;
  private Swarm swarm;
  private String clusterName;
  /** "open" or "secret" once in a cluster. */
  private String groupKind = "alone";
  /** False when the node runs with --no-share. */
  private boolean shares = true;
  /** The swarm starts before the metrics exist (clients are served last): its timings go here until then. */
  private final LateTimings timings = new LateTimings();

  /** Forwards to the metrics once they exist; confined to the node's context. */
  private static final class LateTimings implements Timings {
    Timings delegate = Timings.NONE;

    @Override
    public void schedulerCall(long nanos) {
      delegate.schedulerCall(nanos);
    }

    @Override
    public void firstByte(boolean fromPeer, long nanos) {
      delegate.firstByte(fromPeer, nanos);
    }
  }

  private PotluckNode(Vertx vertx, ConnectionChannels channels, Context context, NodeConfig config, FileStore store,
      NodeId id, NodeTrust.Loaded trust) {
    this.vertx = vertx;
    this.channels = channels;
    this.id = id;
    this.context = context;
    this.loopThread = Thread.currentThread();
    this.config = config;
    this.store = store;
    this.upstream = new Upstream(vertx, config.upstreamTimeout(), config.mirrors());
    // A max age shorter than the usual interval between forced revalidations shortens that interval too.
    java.time.Duration interval = config.metadataMaxAge().compareTo(FreshnessPolicy.DEFAULT_REVALIDATE_INTERVAL) < 0
        ? config.metadataMaxAge() : FreshnessPolicy.DEFAULT_REVALIDATE_INTERVAL;
    FreshnessPolicy freshness = new FreshnessPolicy(config.metadataMaxAge(), interval);
    this.cache = new LocalCache(vertx, store, upstream, freshness, System::currentTimeMillis);
    cache.useAuthorities(trust.authorities(), false);
    cache.findAuthoritiesWith(new AptMetadataFinder(vertx, cache, trust.apt(), trust.aptSources(),
        AptMetadataFinder.hostArchitectures(), System::currentTimeMillis));
    this.imports = config.imports().isEmpty() ? null : new ImportedFiles(config.imports());
    if (imports != null) {
      cache.shareImported(imports);
      cache.onLearnt(this::scanImports);
    }
  }

  /**
   * Looks at the imported package caches again, on a worker, and tells the cluster what changed; at
   * most one scan at a time, and one per {@link #IMPORT_SCAN_SPACING_MILLIS}. Call on the context.
   */
  private void scanImports() {
    if (importScanRunning) {
      importScanWanted = true;
      return;
    }
    long wait = lastImportScanAt + IMPORT_SCAN_SPACING_MILLIS - monotonicMillis();
    if (wait > 0) {
      importScanRunning = true;
      vertx.setTimer(wait, t -> {
        importScanRunning = false;
        scanImports();
      });
      return;
    }
    importScanRunning = true;
    importScanWanted = false;
    vertx.executeBlocking(() -> imports.scan(cache.authorities()), false).onComplete(ar -> {
      importScanRunning = false;
      lastImportScanAt = monotonicMillis();
      if (ar.succeeded()) {
        cache.offerImported(ar.result());
      } else {
        LoggerFactory.getLogger(PotluckNode.class).warn("scanning the imported package caches failed: {}",
            ar.cause().toString());
      }
      if (importScanWanted) {
        scanImports();
      }
    });
  }

  /** Opens the store (recovering it), then listens. Fails with a message naming what went wrong. */
  public static Future<PotluckNode> start(NodeConfig config) {
    return start(config, (PeerSettings) null);
  }

  /**
   * Starts a node that takes part in a cluster: it serves other nodes on its peer listener, joins the
   * group (finding peers by mDNS and seeds), and takes shareable misses from peers where it can.
   */
  public static Future<PotluckNode> start(NodeConfig config, SwarmConfig swarm) {
    PeerSettings peer = new PeerSettings(new HostPort(swarm.bind().getHostAddress(), swarm.peerPort()), swarm.secret(),
        new UploadLimits(swarm.maxUploads(), swarm.uploadRateBytesPerSecond()), swarm.share());
    return start(config, peer, node -> node.joinSwarm(swarm));
  }

  /** As {@link #start(NodeConfig)}, and also serves other nodes on the peer listener when one is given. */
  public static Future<PotluckNode> start(NodeConfig config, PeerSettings peer) {
    return start(config, peer, node -> Future.succeededFuture());
  }

  private static Future<PotluckNode> start(NodeConfig config, PeerSettings peer,
      java.util.function.Function<PotluckNode, Future<Void>> then) {
    // Native epoll where available (Linux): sendfile and socket I/O with fewer copies and wake-ups.
    ConnectionChannels channels = ConnectionChannels.overBestTransport();
    if (channels.real() == io.vertx.core.transport.Transport.NIO) {
      Throwable cause = io.vertx.core.transport.Transport.nativeTransport() == null ? null
          : io.vertx.core.transport.Transport.nativeTransport().unavailabilityCause();
      LoggerFactory.getLogger(PotluckNode.class).info("native transport unavailable ({}); using Java NIO",
          cause == null ? "unknown" : cause.getMessage());
    }
    Vertx vertx = Vertx.builder().with(new VertxOptions()).withTransport(channels).build();
    Context context = vertx.getOrCreateContext();
    Promise<PotluckNode> started = Promise.promise();
    record Opened(FileStore store, NodeId id, NodeTrust.Loaded trust) {}
    context.runOnContext(v -> vertx.executeBlocking(() -> {
          FileStore store = FileStore.open(config.cacheDir(), config.cacheSize());
          NodeId id = NodeIdentity.loadOrCreate(config.cacheDir());
          return new Opened(store, id, NodeTrust.load(config.keyrings(), config.nixKeys(), config.aptSources(), store));
        })
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "cannot open the cache at " + config.cacheDir() + ": " + e.getMessage(), e)))
        .map(opened -> new PotluckNode(vertx, channels, context, config, opened.store(), opened.id(), opened.trust()))
        // Clients last: a node that answers them (and /api/v1/status) is in its cluster already.
        .compose(node -> node.listenForPeers(peer).compose(listening -> then.apply(node))
            .compose(joined -> node.listen()).map(node))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            started.complete(ar.result());
          } else {
            vertx.close();
            started.fail(ar.cause());
          }
        }));
    return started.future();
  }

  private Future<Void> listen() {
    HostPort listen = config.listen();
    HttpServerOptions options = new HttpServerOptions()
        .setMaxInitialLineLength(CanonicalUrl.MAX_LENGTH + 64)
        .setMaxHeaderSize(16 * 1024)
        .setCompressionSupported(false)
        // HTTP/1.1 only: package managers speak it, and a connection is known (and watched) from its
        // first byte instead of once a request proves it is not cleartext HTTP/2.
        .setHttp2ClearTextEnabled(false)
        .setIdleTimeout(120);
    Router api = ApiRoutes.router(vertx, this::status, this::objects, this::purge);
    ClientFront front = new ClientFront(vertx, new AccessPolicy(config.allow()), cache, config.mirrors(),
        config.readerStallTimeout().toMillis(), api, channels);
    metrics = new NodeMetrics(cache, store, front, peerFront, () -> swarm);
    cache.reportTo(metrics);
    timings.delegate = metrics;
    api.get("/metrics").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, NodeMetrics.CONTENT_TYPE)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(metrics.scrape()));
    HostPort peer = peerAddress();
    DashboardFeed feed = new DashboardFeed(id, clusterName, swarm, cache, store, peer == null ? null : peer.toString(),
        startedAtMillis, this::objects);
    Dashboard dashboard = Dashboard.mount(api, vertx, () -> feed.view(System.currentTimeMillis()));
    if (swarm != null) {
      swarm.onViewChanged(dashboard::changed);
    }
    if (imports != null) {
      LoggerFactory.getLogger(PotluckNode.class).info("offering the package files in {} to the LAN (read-only),"
          + " each once a verified package list vouches for it", config.imports());
      scanImports();
      vertx.setPeriodic(IMPORT_SCAN_MILLIS, t -> scanImports());
    }
    // Published objects stop being shared, and go, once their max age has passed.
    vertx.setPeriodic(EXPIRY_CHECK_MILLIS, t -> cache.dropExpired());
    // The savings chart has a past even for the first visitor.
    vertx.setPeriodic(SavingsHistory.DEFAULT_INTERVAL_MILLIS, t -> feed.sample(System.currentTimeMillis()));
    ConnectionGuard guard = new ConnectionGuard(vertx, "client", MAX_CLIENT_CONNECTIONS, REQUEST_HEAD_TIMEOUT_MILLIS,
        PotluckNode::monotonicMillis);
    clientGuard = guard;
    return vertx.createHttpServer(options)
        .connectionHandler(connection -> {
          guard.connected(connection);
          this.channels.channelOf(connection).ifPresent(channel -> front.connected(connection, channel));
        })
        .requestHandler(guard.watch(front))
        .listen(listen.port(), listen.host())
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + listen + ": " + e.getMessage(), e)))
        .map(s -> {
          server = s;
          return null;
        });
  }

  private Future<Void> listenForPeers(PeerSettings peer) {
    if (peer == null) {
      return Future.succeededFuture();
    }
    HostPort listen = peer.listen();
    ConnectionGuard guard = new ConnectionGuard(vertx, "peer", MAX_PEER_CONNECTIONS, REQUEST_HEAD_TIMEOUT_MILLIS,
        PotluckNode::monotonicMillis);
    peerGuard = guard;
    PeerFront front = new PeerFront(vertx, cache, config.readerStallTimeout().toMillis(), peer.secret(), peer.limits(),
        System::nanoTime, guard, peer.share(), channels);
    peerFront = front;
    return vertx.createHttpServer(new HttpServerOptions().setMaxInitialLineLength(512).setMaxHeaderSize(8 * 1024)
            .setCompressionSupported(false).setHttp2ClearTextEnabled(false).setIdleTimeout(120))
        .connectionHandler(guard::connected)
        .requestHandler(guard.watch(front))
        .listen(listen.port(), listen.host())
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "cannot listen for peers on " + listen + ": " + e.getMessage(), e)))
        .map(s -> {
          peerServer = s;
          peerHost = listen.host();
          return null;
        });
  }

  private Future<Void> joinSwarm(SwarmConfig settings) {
    if (settings.bindIsFallback()) {
      LoggerFactory.getLogger(PotluckNode.class).warn(
          "no LAN address found: the cluster binds 127.0.0.1, so only nodes on this host can be peers");
    }
    ClusterSettings cluster = new ClusterSettings(settings.clusterName(), settings.bind(), settings.clusterPort(),
        settings.seeds(), settings.secret());
    // The relay tree's fan-out never exceeds what a node accepts.
    SchedulerConfig scheduler = SchedulerConfig.defaults()
        .withMaxUploads(Math.min(SchedulerConfig.DEFAULT_MAX_UPLOADS, settings.maxUploads()));
    PeerFront front = peerFront;
    UploadMeter uploads = new UploadMeter() {
      @Override
      public int activeUploads() {
        return front.activeUploads();
      }

      @Override
      public long uploadBytesPerSecond() {
        return front.uploadBytesPerSecond();
      }
    };
    clusterName = settings.clusterName();
    // Without a secret anyone on the LAN may join, so only what an authority vouches for is taken
    // from members; with one, every member is someone the admin let in.
    cache.useAuthorities(cache.authorities(), settings.secret() != null);
    groupKind = settings.secret() != null ? "secret" : "open";
    shares = settings.share();
    if (!shares) {
      LoggerFactory.getLogger(PotluckNode.class).info(
          "--no-share: this node takes files from its peers and serves them none");
    }
    return Swarm.start(vertx, new SwarmSettings(cluster, settings.mdns(), peerAddress().port(), scheduler, shares), id,
            cache,
            store, uploads, Version.current(), timings, System::currentTimeMillis, startedAtMillis)
        .recover(e -> Future.failedFuture(new IllegalStateException(e.getMessage(), e)))
        .map(joined -> {
          swarm = joined;
          return null;
        });
  }

  /**
   * Takes {@code url}'s object from a peer instead of upstream, verified against {@code sha256}; the
   * future completes once the object is stored (or fails). Safe to call from any thread.
   */
  public Future<Long> fetchFromPeer(String url, String peerHost, int peerPort, byte[] secret, Sha256 sha256) {
    return untilStored(() -> cache.fetchFromPeer(CanonicalUrl.parse(url), peerHost, peerPort, secret, sha256));
  }

  /**
   * Streams {@code url}'s object from a peer that is still fetching it; it completes once
   * {@link #expectDigest} names its digest. Safe to call from any thread.
   */
  public Future<Long> streamFromPeer(String url, String peerHost, int peerPort, byte[] secret) {
    return untilStored(() -> cache.streamFromPeer(CanonicalUrl.parse(url), peerHost, peerPort, secret));
  }

  /** The digest announced for an object this node is streaming. Safe to call from any thread. */
  public void expectDigest(String url, Sha256 sha256) {
    context.runOnContext(v -> cache.expectDigest(cache.keyOf(CanonicalUrl.parse(url)), sha256));
  }

  /** Runs {@code start} on the node's context; completes with the object's size once it is whole and verified. */
  private Future<Long> untilStored(java.util.function.Supplier<Future<dev.potluck.node.cache.Source>> start) {
    Promise<Long> done = Promise.promise();
    context.runOnContext(v -> start.get().onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else if (ar.result() instanceof dev.potluck.node.cache.Source.Live live) {
        live.transfer().completion().onComplete(c -> done.handle(c.map(sha -> live.transfer().received())));
      } else if (ar.result() instanceof dev.potluck.node.cache.Source.Stored stored) {
        done.complete(stored.object().size());
      } else {
        done.fail("the peer answered " + ((dev.potluck.node.cache.Source.Passthrough) ar.result()).status());
      }
    }));
    return done.future();
  }

  private static long monotonicMillis() {
    return System.nanoTime() / 1_000_000;
  }

  /** Where the peer listener really listens, or null when there is none. */
  public HostPort peerAddress() {
    return peerServer == null ? null : new HostPort(peerHost, peerServer.actualPort());
  }

  /** Where the client listener really listens (the port is resolved when 0 was asked for). */
  public HostPort address() {
    return new HostPort(config.listen().host(), server.actualPort());
  }

  /** This node's stable id, kept in its cache folder. */
  public NodeId id() {
    return id;
  }

  public NodeConfig config() {
    return config;
  }

  public FileStore store() {
    return store;
  }

  /** The status as {@code /api/v1/status} reports it; safe to call from any thread. */
  public NodeStatus status() {
    if (Thread.currentThread() != loopThread) {
      AtomicReference<NodeStatus> result = new AtomicReference<>();
      java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
      context.runOnContext(v -> {
        result.set(status());
        latch.countDown();
      });
      try {
        latch.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading the node's status", e);
      }
      return result.get();
    }
    StoreStats stats = store.stats();
    CacheCounters counters = cache.counters();
    Map<String, Long> answers = new LinkedHashMap<>();
    counters.answers().forEach((d, n) -> answers.put(d.header(), n));
    return new NodeStatus(id.hex(), Version.current(), address().toString(), config.cacheDir().toString(),
        (System.currentTimeMillis() - startedAtMillis) / 1000, stats.objects(), stats.usedBytes(), stats.quotaBytes(),
        stats.evictions(), cache.activeFetches(), answers, counters.upstreamRequests(), counters.upstreamBytes(),
        counters.upstreamFailures(), counters.verificationFailures(), clusterStatus(counters), trustStatus(counters));
  }

  private TrustStatus trustStatus(CacheCounters counters) {
    Map<String, Long> verified = new LinkedHashMap<>();
    for (Authority a : Authority.values()) {
      verified.put(a.label(), counters.verified(a));
    }
    TrustStatus.Imports importing = null;
    if (imports != null) {
      ImportedFiles.Report report = imports.report();
      importing = new TrustStatus.Imports(report.dirs(), report.offered(), report.refused());
    }
    return new TrustStatus(swarm == null ? "alone" : groupKind, verified, cache.authorities().problems(), importing);
  }

  /**
   * Drops the object named by {@code target}, an object key (64 hex digits) or a URL, from this node's
   * cache. Call on the node's context.
   */
  public Future<Boolean> purge(String target) {
    if (target.matches("[0-9a-fA-F]{64}")) {
      return cache.purge(new ObjectKey(target.toLowerCase(java.util.Locale.ROOT)));
    }
    CanonicalUrl url;
    try {
      url = CanonicalUrl.parse(target);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("'" + target + "' is neither an object key (64 hex"
          + " digits) nor a URL: " + e.getMessage()));
    }
    // Under its content key once an authority named its digest, else (or also, from before) its URL's.
    ObjectKey content = cache.keyOf(url);
    ObjectKey byUrl = ObjectKey.of(url);
    return cache.purge(content).compose(purged -> content.equals(byUrl) ? Future.succeededFuture(purged)
        : cache.purge(byUrl).map(alsoByUrl -> purged || alsoByUrl));
  }


  /**
   * The objects {@code /api/v1/objects} lists: complete ones most recently used first, then the ones
   * being fetched. Must be called on the node's context.
   */
  List<CachedObject> objects() {
    Map<ObjectKey, List<NodeId>> holders = swarm == null ? Map.of() : swarm.holdersByKey();
    List<CachedObject> out = new ArrayList<>();
    Set<ObjectKey> complete = new HashSet<>();
    for (FileStore.Accessed a : store.inventory()) {
      var meta = a.object().meta();
      var key = a.object().key();
      complete.add(key);
      var sharing = meta.sharing() == null ? null : new CachedObject.Sharing(meta.sharing().maxAgeMillis() / 1000,
          meta.sharing().expiresAtMillis(), meta.sharing().shares(), meta.sharing().maxShares());
      out.add(new CachedObject(key.id(), meta.url(), true, meta.size(), meta.size(), meta.sha256().hex(),
          meta.storedAtMillis(), a.accessedAtMillis(), arbiter(key), holders(key, holders), sharing));
    }
    for (LocalCache.InFlight f : cache.inFlight()) {
      if (!complete.contains(f.key())) {
        out.add(new CachedObject(f.key().id(), f.url(), false, f.length(), f.received(), null, f.startedAtMillis(), -1,
            arbiter(f.key()), holders(f.key(), holders)));
      }
    }
    return out;
  }

  private String arbiter(ObjectKey key) {
    return swarm == null || swarm.members().isEmpty() ? null : swarm.arbiterOf(key).hex();
  }

  /** Known only to the key's arbiter: none known there is an empty list, elsewhere null. */
  private List<String> holders(ObjectKey key, Map<ObjectKey, List<NodeId>> known) {
    List<NodeId> ids = known.get(key);
    if (ids == null) {
      return id.hex().equals(arbiter(key)) ? List.of() : null;
    }
    return ids.stream().map(NodeId::hex).toList();
  }

  private ClusterStatus clusterStatus(CacheCounters counters) {
    if (swarm == null) {
      return null;
    }
    Map<NodeId, String> addresses = swarm.peerAddresses();
    List<ClusterStatus.Member> members = new ArrayList<>();
    for (NodeId member : swarm.members()) {
      boolean self = member.equals(id);
      members.add(new ClusterStatus.Member(member.hex(), self,
          self ? peerAddress().toString() : addresses.get(member)));
    }
    Map<String, String> blocklisted = new LinkedHashMap<>();
    swarm.blocklisted().forEach((node, why) -> blocklisted.put(node.hex(), why));
    return new ClusterStatus(clusterName, members, counters.peerRequests(), counters.peerBytes(),
        peerFront.activeUploads(), peerFront.uploadedBytes(), swarm.messagesSent(),
        swarm.messagesReceived(), blocklisted, shares);
  }

  /**
   * Stops listening, lets responses under way finish for up to {@code grace}, then releases everything.
   * Fetches still under way are abandoned; their partial files are dropped at the next start. Blocks:
   * call it from outside Vert.x (a Vert.x close can only be awaited from a thread it does not own).
   */
  public void stop(Duration grace) throws InterruptedException {
    if (swarm != null) {
      // Leave first: the others see the view change at once and stop sending requests here.
      swarm.stop();
    }
    Future<Void> closing = server == null ? Future.succeededFuture()
        : server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS);
    if (peerServer != null) {
      closing = closing.eventually(() -> peerServer.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS));
    }
    long deadline = System.nanoTime() + grace.toNanos();
    await(closing, grace.plusSeconds(5));
    // Fetches and commits under way finish within the grace, so that no disk task outlives the node.
    while (status().activeFetches() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    await(upstream.close(), Duration.ofSeconds(5));
    await(vertx.close(), Duration.ofSeconds(10));
    if (metrics != null) {
      metrics.close();
    }
  }

  private static void await(Future<Void> future, Duration limit) throws InterruptedException {
    try {
      future.toCompletionStage().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LoggerFactory.getLogger(PotluckNode.class).warn("shutdown step did not finish cleanly: {}", e.toString());
    }
  }
}
