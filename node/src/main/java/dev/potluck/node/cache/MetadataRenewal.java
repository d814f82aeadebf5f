package dev.potluck.node.cache;

import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.ObjectMeta;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.transfer.Transfer;
import dev.potluck.node.trust.Authorities;
import dev.potluck.node.trust.CopyCheck;
import dev.potluck.node.upstream.UpstreamFailure;
import dev.potluck.node.upstream.Upstream;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.freshness.FreshnessPolicy;
import dev.potluck.scheduler.freshness.ObjectKind;
import dev.potluck.scheduler.freshness.RequestCacheControl;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mutable metadata kept current for the LAN: taken from the member that keeps it (which asks upstream
 * once for all) and checked here, or kept for the members that take it from this node; and a new
 * signed Release adopted only with the indexes it lists, falling back to the previous one when they
 * cannot be had. Kept apart from {@link LocalCache}, which fetches and stores single objects, because
 * these rules are about how several objects stay consistent with one another.
 *
 * <p>Confined to the cache's context. It starts fetches and answers requests through the cache it
 * belongs to. Somewhat over 350 lines: taking a copy from the keeper ends in renewing the indexes it
 * lists, so the two halves call each other.
 */
final class MetadataRenewal {

  private static final Logger log = LoggerFactory.getLogger(MetadataRenewal.class);

  /**
   * How long clients wait for a signed Release from upstream to be stored and its indexes renewed
   * before they get it anyway.
   */
  static final long ADOPT_HOLD_MILLIS = 15_000;
  /** How often a Release whose indexes cannot be had as listed is asked for, all together. */
  static final int RENEW_ATTEMPTS = 6;
  static final long RENEW_RETRY_MILLIS = 250;
  /**
   * How long after a client of this node asked for a Release another member's renewal of it waits: the
   * client is fetching the indexes that Release names (apt asks for them right after it), and taking
   * the new Release now would answer them as the new one lists them.
   */
  static final long CLIENT_UPDATE_MILLIS = 10_000;

  /** When each Release announced as renewed by another member was last taken, most recent 1,024. */
  private final Map<ObjectKey, Long> renewalsAsked = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ObjectKey, Long> eldest) {
      return size() > 1024;
    }
  };
  /** When a client of this node last asked for each URL, most recent 1,024. */
  private final Map<ObjectKey, Long> clientAskedAt = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ObjectKey, Long> eldest) {
      return size() > 1024;
    }
  };
  /** Renewals announced by another member that wait for this node's clients to finish their update. */
  private final java.util.Set<ObjectKey> deferred = new java.util.HashSet<>();
  /** Signed Releases stored whose indexes are being renewed, by URL key: requests wait for them. */
  private final Map<ObjectKey, Future<Void>> adopting = new HashMap<>();
  /** Mutable metadata being taken from its keeper on the LAN, by URL key: later requests join. */
  private final Map<ObjectKey, Future<Source>> fromKeeper = new HashMap<>();

  private final LocalCache cache;
  private final Vertx vertx;
  private final FileStore store;
  private final Staging staging;
  private final Upstream upstream;
  private final FreshnessPolicy freshness;
  private final LongSupplier clock;
  private final CacheCounters counters;
  private final Learning learning;

  MetadataRenewal(LocalCache cache, Vertx vertx, FileStore store, Staging staging, Upstream upstream,
      FreshnessPolicy freshness, LongSupplier clock, CacheCounters counters, Learning learning) {
    this.cache = cache;
    this.vertx = vertx;
    this.store = store;
    this.staging = staging;
    this.upstream = upstream;
    this.freshness = freshness;
    this.clock = clock;
    this.counters = counters;
    this.learning = learning;
  }

  /** A client of this node asked for {@code url} (see {@link #CLIENT_UPDATE_MILLIS}). */
  void clientAsked(CanonicalUrl url) {
    clientAskedAt.put(ObjectKey.of(url), clock.getAsLong());
  }

  /** Completes once the new Release stored under {@code key} is adopted, or null when none is being adopted. */
  Future<Void> adoption(ObjectKey key) {
    return adopting.get(key);
  }

  /** The answer being taken from the keeper of {@code key}'s metadata, or null. */
  Future<Source> fromKeeper(ObjectKey key) {
    return fromKeeper.get(key);
  }

  /**
   * From the moment the flight of a Release is gone until its indexes are renewed ({@code adopted}),
   * a request for it must wait rather than find the new copy in the store: its client would ask for
   * indexes the node may then only have as a still newer Release lists them.
   */
  void holdUntilAdopted(ObjectKey key, Future<Void> adopted) {
    adopting.put(key, adopted);
    adopted.onComplete(v -> adopting.remove(key, adopted));
  }

  /**
   * Mutable metadata that must be fetched or revalidated: taken from the member that keeps it for the
   * LAN, which asks upstream once for all, when there is one, some authority here can check its copy
   * (or the cluster has a secret) and it keeps this URL; else fetched from upstream as usual. A copy
   * that fails its check blocklists the keeper and is fetched from upstream instead.
   */
  Future<Source> refresh(ObjectKey key, CanonicalUrl url, StoredObject stale, String userAgent,
      RequestCacheControl cacheControl) {
    MissRouter.Keeper keeper = cache.lookup().mayAskKeeper(url, key, cache.authorities().checksCopiesOf(url))
        ? cache.router().keeperOf(key) : null;
    if (keeper == null) {
      return cache.fetch(key, url, stale, userAgent, Origin.upstream(url));
    }
    long now = clock.getAsLong();
    long maxAgeSeconds = freshness.maxAgeMillis(cacheControl) / 1000;
    counters.peerRequest();
    Future<Source> taken = KeeperCopy.ask(upstream, keeper, url, maxAgeSeconds, cache.router().peerSecret())
        .compose(body -> keep(key, url, stale, keeper, body, cacheControl, now))
        .recover(failure -> {
          fromKeeper.remove(key);
          if (failure instanceof KeeperCopy.NotKept) {
            log.debug("{}: {}; fetching it from upstream", url, failure.getMessage());
          } else {
            log.info("{}: could not take it from its keeper, {}: {}; fetching it from upstream", url, keeper.where(),
                failure.getMessage());
          }
          return cache.answer(url, cacheControl, false, userAgent, false);
        })
        .andThen(ar -> fromKeeper.remove(key));
    if (!taken.isComplete()) {
      fromKeeper.put(key, taken);
    }
    return taken;
  }

  /**
   * Checks the keeper's copy of {@code url}, then stores it as this node's own (its validation time is
   * the keeper's) and learns from it. Fails, so that upstream is asked instead, when the copy is wrong
   * (the keeper is then blocklisted) or older than the client allows.
   */
  private Future<Source> keep(ObjectKey key, CanonicalUrl url, StoredObject stale, MissRouter.Keeper keeper,
      KeeperCopy.Body body, RequestCacheControl cacheControl, long startedAt) {
    long validatedAt = Math.min(body.validatedAtMillis(), clock.getAsLong());
    if (freshness.decide(ObjectKind.METADATA, validatedAt, clock.getAsLong(), cacheControl)
        != FreshnessPolicy.Decision.SERVE) {
      return Future.failedFuture(new IOException("its copy was confirmed upstream at " + validatedAt
          + ", longer ago than the client allows"));
    }
    learning.begin();
    return staging.onWorker(() -> {
      CopyCheck check = cache.authorities().checkCopy(url, body.bytes());
      if (check.verdict() == CopyCheck.Verdict.WRONG
          || (check.verdict() == CopyCheck.Verdict.UNUSABLE && !cache.sharesUnverified())) {
        return check;
      }
      if (check.verdict() != CopyCheck.Verdict.GOOD) {
        log.debug("{}: taken from {} unchecked (cluster with a secret): {}", url, keeper.where(), check.why());
      }
      Sha256 sha256 = Sha256.of(body.bytes());
      Optional<StoredObject> stored;
      if (stale != null && stale.meta().sha256().equals(sha256)) {
        stored = store.markValidated(key, validatedAt, body.etag(), body.lastModified());
      } else {
        stored = store.commitBytes(key, body.bytes(), new ObjectMeta(url.toString(), body.bytes().length, sha256, body.contentType(),
            body.etag(), body.lastModified(), clock.getAsLong(), validatedAt));
      }
      if (stored.isEmpty()) {
        return CopyCheck.unusable("it could not be stored here");
      }
      cache.authorities().observe(url, stored.get().data(), sha256);
      return stored.get();
    }).<Source>compose(result -> {
      if (result instanceof StoredObject object) {
        log.debug("{}: taken from its keeper, {}", url, keeper.where());
        cache.tellLearnt();
        // The keeper holds the indexes it renewed; this node's clients may want others.
        return renew(url, 0).map(complete -> new Source.Stored(store.get(key).orElse(object), Disposition.PEER));
      }
      CopyCheck check = (CopyCheck) result;
      if (check.verdict() == CopyCheck.Verdict.UNUSABLE) {
        return Future.failedFuture(new IOException("its copy is not used here: " + check.why()));
      }
      String why = keeper.where() + " served an altered copy of " + url + ": " + check.why();
      counters.verificationFailure();
      cache.router().keeperFailed(keeper, why);
      return Future.failedFuture(new IOException(why));
    }).andThen(ar -> learning.end());
  }

  /**
   * For a peer that takes mutable metadata from this node, its keeper: this node's copy of {@code url},
   * first revalidated upstream (once for all who ask) when older than {@code cacheControl} allows.
   * Only metadata this node holds or is fetching for its own clients is kept for others: for any other
   * URL the answer is null, so no peer can make this node fetch something new.
   */
  Future<StoredObject> keepFor(CanonicalUrl url, RequestCacheControl cacheControl) {
    ObjectKey key = ObjectKey.of(url);
    if (!key.equals(cache.keyOf(url)) || ObjectKind.ofPath(url.pathAndQuery()) != ObjectKind.METADATA
        || (store.get(key).isEmpty() && cache.flight(key) == null)) {
      return Future.succeededFuture(null);
    }
    Future<Source> answered = cache.answer(url, cacheControl, false, null, false);
    Flight flight = cache.flight(key);
    return answered.compose(source -> {
      if (source instanceof Source.Stored stored) {
        return Future.succeededFuture(stored.object());
      }
      if (source instanceof Source.Live && flight != null) {
        return flight.settled.future().map(v -> store.get(key).orElse(null));
      }
      return Future.succeededFuture(null);
    });
  }

  /**
   * Answers a signed Release (apt's InRelease) once it is stored, learnt from and its indexes renewed
   * ({@link #renew}): the client then gets the Release this node will serve indexes for, which, if the
   * repository published again meanwhile, is the newer one. Never later than {@link #ADOPT_HOLD_MILLIS}.
   */
  void answerWhenAdopted(Flight flight, Transfer transfer, Disposition disposition) {
    long timer = vertx.setTimer(ADOPT_HOLD_MILLIS, t -> answerAdopted(flight, transfer, disposition));
    flight.settled.future().onComplete(v -> {
      vertx.cancelTimer(timer);
      answerAdopted(flight, transfer, disposition);
    });
  }

  private void answerAdopted(Flight flight, Transfer transfer, Disposition disposition) {
    if (transfer.completion().failed()) {
      if (flight.stale != null) {
        flight.answer.tryComplete(new Source.Stored(flight.stale, Disposition.STALE));
      } else {
        flight.answer.tryFail(UpstreamFailure.of(flight.url, transfer.completion().cause()));
      }
      return;
    }
    Optional<StoredObject> stored = store.get(flight.key);
    flight.answer.tryComplete(stored.<Source>map(o -> new Source.Stored(o, disposition))
        .orElseGet(() -> new Source.Live(transfer, disposition)));
  }

  /**
   * Renews the indexes of the Release a flight just stored; when they cannot be had, falls back to the
   * previous Release; when they are here and the Release changed, tells the cluster.
   */
  Future<Void> adopt(Flight flight, Sha256 sha256) {
    return renew(flight.url, 0).compose(complete -> {
      if (complete) {
        announceRenewed(flight, sha256);
        return Future.succeededFuture();
      }
      return flight.previousRelease() == null ? Future.<Void>succeededFuture() : restorePrevious(flight);
    });
  }

  /** Tells the cluster that a Release changed upstream, now that this node holds its indexes. */
  private void announceRenewed(Flight flight, Sha256 sha256) {
    if (cache.router() != null && (flight.stale == null || !flight.stale.meta().sha256().equals(sha256))) {
      cache.router().renewed(flight.url, sha256);
    }
  }

  /**
   * Another member ({@code from}) took a new version ({@code sha256}) of the signed Release at
   * {@code url} from upstream. When this node holds an older copy, not confirmed within the
   * revalidation interval, it takes the new one now (from the LAN's keeper, checked as always) and the
   * indexes its clients use, so that their next update finds them here. A URL is acted on at most once
   * per revalidation interval, whoever announces it. While a client of this node is in the middle of
   * an update (it asked for the URL within {@link #CLIENT_UPDATE_MILLIS}), that waits until it is
   * done: the client holds the Release it was given and asks next for the indexes that one lists.
   */
  void renewedElsewhere(CanonicalUrl url, Sha256 sha256, String from) {
    ObjectKey key = ObjectKey.of(url);
    Optional<StoredObject> stored = store.get(key);
    if (!cache.authorities().checksCopiesOf(url) || stored.isEmpty() || stored.get().meta().sha256().equals(sha256)
        || cache.flight(key) != null || fromKeeper.containsKey(key) || adopting.containsKey(key)) {
      return;
    }
    long now = clock.getAsLong();
    long interval = freshness.maxAgeMillis(RequestCacheControl.FORCE);
    Long last = renewalsAsked.get(key);
    if (now - stored.get().meta().validatedAtMillis() < interval || (last != null && now - last < interval)) {
      return;
    }
    Long asked = clientAskedAt.get(key);
    if (asked != null && now - asked < CLIENT_UPDATE_MILLIS) {
      if (deferred.add(key)) {
        vertx.setTimer(asked + CLIENT_UPDATE_MILLIS - now, t -> {
          deferred.remove(key);
          renewedElsewhere(url, sha256, from);
        });
      }
      return;
    }
    renewalsAsked.put(key, now);
    log.info("{} changed upstream (announced by {}): taking it and its indexes now", url, from);
    refresh(key, url, stored.get(), null, RequestCacheControl.FORCE)
        .onFailure(e -> log.info("{}: could not take the new version: {}", url, e.getMessage()));
  }

  /**
   * Makes sure this node holds the indexes that the signed Release at {@code releaseUrl}, just stored
   * and learnt from, lists and that clients asked for before (see {@link Authorities#indexesToRenew}),
   * before that Release is served: the client given it then finds exactly the indexes it names, even
   * if the repository publishes again a moment later. When one cannot be had as listed (the repository
   * is publishing: new indexes, old Release), the Release is asked for afresh, a few times.
   *
   * @return whether every such index is held as the Release now in the store lists it
   */
  private Future<Boolean> renew(CanonicalUrl releaseUrl, int attempt) {
    List<CanonicalUrl> indexes = cache.authorities().indexesToRenew(releaseUrl);
    if (indexes.isEmpty()) {
      return Future.succeededFuture(true);
    }
    List<Future<Void>> learnt = indexes.stream().map(cache::learn).toList();
    return Future.join(learnt).transform(ignored -> {
      List<CanonicalUrl> missing = indexes.stream().filter(u -> cache.stored(cache.keyOf(u), u).isEmpty()).toList();
      if (missing.isEmpty()) {
        return Future.succeededFuture(true);
      }
      if (attempt + 1 >= RENEW_ATTEMPTS) {
        log.warn("{}: could not get {} as it lists them", releaseUrl, missing);
        return Future.succeededFuture(false);
      }
      log.info("{}: {} could not be had as it lists them (the repository is publishing?); asking for it again",
          releaseUrl, missing);
      Promise<Void> later = Promise.promise();
      vertx.setTimer(RENEW_RETRY_MILLIS, t -> later.complete());
      return later.future().compose(v -> refetchRelease(releaseUrl)).compose(v -> renew(releaseUrl, attempt + 1));
    });
  }

  /**
   * A new Release from upstream whose indexes could not be had as it lists them (the repository kept
   * publishing): the Release this node had before, whose indexes it served, becomes the one served and
   * learnt from again, still due for revalidation, so that clients get a consistent, if older, set and
   * the next request tries the new one again.
   */
  private Future<Void> restorePrevious(Flight flight) {
    byte[] bytes = flight.previousRelease();
    StoredObject previous = flight.stale;
    return staging.onWorker(() -> {
      Optional<StoredObject> restored = store.commitBytes(flight.key, bytes, previous.meta());
      if (restored.isPresent()) {
        cache.authorities().observe(flight.url, restored.get().data(), previous.meta().sha256());
      }
      return null;
    }).<Void>mapEmpty().andThen(ar -> {
      if (ar.succeeded()) {
        log.warn("{}: the repository is publishing (its indexes are newer than its Release); serving the previous"
            + " Release, whose indexes are here, until it is done", flight.url);
      } else {
        log.warn("{}: could not restore the previous Release: {}", flight.url, ar.cause().toString());
      }
    });
  }

  /** The bytes of {@code stale}'s body when it is a signed Release that a new one may have to fall back to; or null. */
  static byte[] previousRelease(Flight flight) {
    StoredObject stale = flight.stale;
    if (stale == null || stale.size() > KeeperCopy.MAX_BYTES) {
      return null;
    }
    try {
      return java.nio.file.Files.readAllBytes(stale.data());
    } catch (IOException e) {
      return null;
    }
  }

  /** Fetches the Release at {@code url} from upstream again (conditionally), without renewing its indexes. */
  private Future<Void> refetchRelease(CanonicalUrl url) {
    ObjectKey key = ObjectKey.of(url);
    Flight running = cache.flight(key);
    if (running != null) {
      return running.settled.future();
    }
    Flight flight = cache.open(key, url, store.get(key).orElse(null), null);
    flight.skipRenewal();
    cache.feed(flight, Origin.upstream(url));
    return flight.settled.future();
  }
}
