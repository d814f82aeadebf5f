package dev.potluck.node.cache;

import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.trust.Expectation;
import dev.potluck.node.upstream.Upstream;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node hands its peers, and the checks that keep a bad copy from reaching the LAN: a stored
 * object is re-read against its digest the first time it is offered since the node started, a peer
 * that finds a copy wrong can ask for it to be read again (rate-limited), and a purge tells the
 * cluster. Confined to the cache's context; reading and hashing run on workers.
 */
final class PeerOffers {

  private static final Logger log = LoggerFactory.getLogger(PeerOffers.class);

  /** How often one stored object may be re-read at a peer's request. */
  static final long RECHECK_INTERVAL_MILLIS = 60_000;

  private final Map<ObjectKey, Long> lastRecheck = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ObjectKey, Long> eldest) {
      return size() > 4096;
    }
  };
  private boolean recheckRunning;
  /** Stored objects re-read and found right since this node started (see {@link #checkBeforeSharing}). */
  private final Set<ObjectKey> checkedForPeers = new HashSet<>();

  private final LocalCache cache;
  private final FileStore store;
  private final Staging staging;
  private final Upstream upstream;
  private final LongSupplier clock;
  private final CacheCounters counters;

  PeerOffers(LocalCache cache, FileStore store, Staging staging, Upstream upstream, LongSupplier clock,
      CacheCounters counters) {
    this.cache = cache;
    this.store = store;
    this.staging = staging;
    this.upstream = upstream;
    this.clock = clock;
    this.counters = counters;
  }

  /** {@code key}'s stored object was just written or checked here: it needs no check before it is shared. */
  void checked(ObjectKey key) {
    checkedForPeers.add(key);
  }

  /**
   * As {@link #peek}, but for an object whose fetch has started and whose first bytes are not here
   * yet, waits for them: a peer is pointed here the moment this node is granted the fetch, usually
   * before upstream has answered. Completes with null when this node has nothing to offer.
   */
  Future<Source> peekSoon(ObjectKey key) {
    Flight flight = cache.flight(key);
    if (flight == null || flight.transfer() != null) {
      Source source = cache.peek(key);
      if (source instanceof Source.Stored stored && !checkedForPeers.contains(key)) {
        return checkBeforeSharing(stored);
      }
      if (source == null && cache.imports() != null && cache.imports().has(key)) {
        return fromImports(key);
      }
      return Future.succeededFuture(source);
    }
    flight.peerWaits();
    // Not the local clients' answer, which for a vouched-for upstream body waits until it is verified:
    // peers follow the transfer as soon as it exists (and never get its last byte before then).
    return Future.any(flight.started.future(), flight.settled.future()).map(v -> cache.peek(key))
        .otherwise(failure -> null)
        .andThen(answered -> flight.peerStoppedWaiting());
  }

  /** An imported file for a peer, checked against its digest first; null (and withdrawn) when it no longer matches. */
  private Future<Source> fromImports(ObjectKey key) {
    ImportedFiles files = cache.imports();
    return staging.onWorker(() -> files.verify(key)).map(entry -> {
      if (entry == null) {
        if (cache.router() != null && store.get(key).isEmpty()) {
          cache.router().dropped(key);
        }
        return (Source) null;
      }
      return new Source.Stored(entry.asStored(), Disposition.HIT);
    }).otherwise(e -> null);
  }

  /**
   * Drops {@code key}'s stored object and tells the cluster this node no longer holds it. A fetch under
   * way is left alone. Completes with whether an object was stored.
   */
  Future<Boolean> purge(ObjectKey key) {
    checkedForPeers.remove(key);
    return staging.onWorker(() -> store.remove(key)).map(removed -> {
      if (removed.isPresent()) {
        log.info("purged {} ({} bytes, sha256 {})", removed.get().meta().url(), removed.get().size(),
            removed.get().meta().sha256());
        if (cache.router() != null && (cache.imports() == null || !cache.imports().has(key))) {
          cache.router().dropped(key);
        }
      }
      return removed.isPresent();
    });
  }

  /**
   * Re-reads a stored object the first time it is offered to a peer since this node started, against
   * the digest recorded with it and the best authority for it: a copy rotted or altered on disk is
   * caught here, at its holder, dropped, and the cluster told, rather than handed to the LAN.
   */
  private Future<Source> checkBeforeSharing(Source.Stored stored) {
    StoredObject object = stored.object();
    // Known by its digest (an index of an earlier Release, say), re-hashing it is the whole check.
    Expectation authority = object.key().id().equals(object.meta().sha256().hex()) ? null
        : cache.authorities().lookup(CanonicalUrl.parse(object.meta().url()));
    return staging.onWorker(() -> StoredCheck.problem(object, authority)).compose(problem -> {
      if (problem == null) {
        checkedForPeers.add(object.key());
        return Future.succeededFuture(stored);
      }
      counters.verificationFailure();
      log.warn("dropping the stored copy of {}: {}", object.meta().url(), problem);
      return purge(object.key()).<Source>map(purged -> null).otherwise(e -> null);
    });
  }

  /**
   * Re-reads the stored copy of {@code key} because a peer found it wrong, and drops it if it is:
   * the peer's word only triggers the check, this node's own authority decides. At most one such check
   * runs at a time, and one per key per {@link #RECHECK_INTERVAL_MILLIS}, so a rogue member can make a
   * node re-read a file now and then, never purge a right one or hash all day.
   *
   * @return whether the copy is kept (also when there is none to check); fails when a check is refused
   *     for now
   */
  Future<Boolean> recheck(ObjectKey key) {
    Optional<StoredObject> stored = store.get(key);
    if (stored.isEmpty()) {
      return Future.succeededFuture(true);
    }
    long now = clock.getAsLong();
    Long last = lastRecheck.get(key);
    if (recheckRunning || (last != null && now - last < RECHECK_INTERVAL_MILLIS)) {
      return Future.failedFuture(new IllegalStateException("a check of this node's copy ran or runs already"));
    }
    recheckRunning = true;
    lastRecheck.put(key, now);
    checkedForPeers.remove(key);
    return checkBeforeSharing(new Source.Stored(stored.get(), Disposition.HIT))
        .map(source -> source != null)
        .andThen(ar -> recheckRunning = false);
  }

  /** Asks the peer at {@code host:port}, whose copy of {@code key} failed here, to check it. Best effort. */
  void askPeerToRecheck(String host, int port, byte[] secret, ObjectKey key) {
    String path = PeerApi.checkPath(key);
    CanonicalUrl url = PeerApi.urlOf(host, port, path);
    Map<String, String> headers = secret == null ? Map.of()
        : Map.of(PeerApi.TOKEN_HEADER, PeerApi.token(secret, "POST", path));
    upstream.sendToPeer(HttpMethod.POST, url, headers).onComplete(ar -> {
      if (ar.succeeded()) {
        ar.result().body().onSuccess(body -> log.info("asked {}:{} to check its copy of {}: {} {}", host, port, key,
            ar.result().statusCode(), body.toString().strip()));
      } else {
        log.debug("could not ask {}:{} to check {}: {}", host, port, key, ar.cause().toString());
      }
    });
  }
}
