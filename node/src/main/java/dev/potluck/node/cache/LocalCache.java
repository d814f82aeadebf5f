package dev.potluck.node.cache;

import dev.potluck.node.metrics.Timings;
import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.ObjectMeta;
import dev.potluck.node.store.PartialFile;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.transfer.ResponseHead;
import dev.potluck.node.transfer.Transfer;
import dev.potluck.node.transfer.VerificationException;
import dev.potluck.node.trust.Authorities;
import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.ContentNames;
import dev.potluck.node.trust.Expectation;
import dev.potluck.node.upstream.Upstream;
import dev.potluck.node.upstream.UpstreamFailure;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.freshness.FreshnessPolicy;
import dev.potluck.scheduler.freshness.ObjectKind;
import dev.potluck.scheduler.freshness.RequestCacheControl;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's cache: answers a request from the store, from a fetch already under way, or by starting
 * the one upstream fetch for that object (single flight), and stores what arrives.
 *
 * <p>It owns the map of {@link Flight}s and the end of each (the commit in {@link #finish}), and
 * hands the rest to its parts: {@link Lookup} decides what a request needs, {@link ResponseFeed} feeds
 * a flight from its sources, {@link Staging} holds bodies on their way into the store,
 * {@link MetadataRenewal} keeps mutable metadata consistent across the LAN, {@link PeerOffers} and
 * {@link Publishing} serve peers. It is still over 350 lines because it is the node's one entry point
 * (the public methods below are its API to the HTTP fronts, the swarm and the node) and because the
 * single-flight bookkeeping (open, join, prefetch, finish) must stay in one place with the map.
 *
 * <p>Confined to one Vert.x context: {@link #open} must be called on it, and every callback runs on it.
 * Blocking store I/O goes to worker threads and its results come back to the context.
 */
public final class LocalCache {

  private static final Logger log = LoggerFactory.getLogger(LocalCache.class);

  private final Vertx vertx;
  private final FileStore store;
  private final Staging staging;
  private final Upstream upstream;
  private final FreshnessPolicy freshness;
  private final LongSupplier clock;
  /** How prefetched objects nobody has asked for yet were fetched; bounded, oldest forgotten first. */
  private final Map<ObjectKey, Disposition> prefetchedDone = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ObjectKey, Disposition> eldest) {
      return size() > 1024;
    }
  };
  private final Map<ObjectKey, Flight> flights = new HashMap<>();
  private final CacheCounters counters = new CacheCounters();
  /** Files being learnt from (see {@link #mayTeach}), and the requests waiting for them. */
  private final Learning learning = new Learning();
  /** Metadata taken from or kept for the LAN's keeper, and Releases adopted with their indexes. */
  private final MetadataRenewal renewal;
  /** Asks the flights' sources and feeds their responses in. */
  private final ResponseFeed responses;
  /** Objects published on this node and the limits they are shared within. */
  private final Publishing publishing;
  /** What this node offers peers, checked before it first does. */
  private final PeerOffers peerOffers;

  private Timings timings = Timings.NONE;
  /** Decides what a request needs; rebuilt when the router or the authorities change. */
  private Lookup lookup;
  /** Decides where misses of shareable objects come from; null when the node runs alone. */
  private MissRouter router;
  /** What vouches for objects' bytes. */
  private Authorities authorities = Authorities.CONTENT_NAMES_ONLY;
  /**
   * Whether objects no authority vouches for may come from peers: only in a cluster with a secret,
   * where every member is one the admin let in.
   */
  private boolean shareUnverified;
  /** Fetches the metadata that would vouch for an object, when this node has not seen it; or null. */
  private AuthorityFinder finder;
  /** Package caches offered read-only ({@code --import}), or null. */
  private ImportedFiles imports;
  /** Runs after the authorities learnt from a file this node fetched. */
  private Runnable learntListener = () -> { };

  public LocalCache(Vertx vertx, FileStore store, Upstream upstream, FreshnessPolicy freshness, LongSupplier clock) {
    this.vertx = vertx;
    this.store = store;
    this.staging = new Staging(vertx, store);
    this.upstream = upstream;
    this.freshness = freshness;
    this.clock = clock;
    this.lookup = new Lookup(freshness, false, false);
    this.renewal = new MetadataRenewal(this, vertx, store, staging, upstream, freshness, clock, counters, learning);
    this.responses = new ResponseFeed(this, vertx, store, staging, upstream, counters, renewal);
    this.publishing = new Publishing(this, store, staging, clock);
    this.peerOffers = new PeerOffers(this, store, staging, upstream, clock, counters);
  }

  /**
   * Offers {@code imports}' files to peers from now on, each checked again before it is served; the
   * node's owner scans them and passes what changed to {@link #offerImported}.
   */
  public void shareImported(ImportedFiles imports) {
    this.imports = imports;
  }

  /** Runs {@code listener} on the context each time the authorities have learnt from a fetched file. */
  public void onLearnt(Runnable listener) {
    this.learntListener = listener;
  }

  /** Tells the cluster about imported files now offered, and no longer offered. Call on the context. */
  public void offerImported(ImportedFiles.Changes changes) {
    if (router == null) {
      return;
    }
    for (ImportedFiles.Entry e : changes.offered()) {
      router.holds(e.key(), e.asStored().meta().url(), e.size(), e.sha256());
    }
    for (ObjectKey key : changes.withdrawn()) {
      if (store.get(key).isEmpty()) {
        router.dropped(key);
      }
    }
  }

  /**
   * Finds the repository metadata that would vouch for an object this node has no authority for yet
   * (the client read that metadata before the node ran, or from elsewhere), by fetching and verifying
   * it. Called on the node's context; the future completes there, with nothing to wait for as soon as
   * possible (an already completed future), and never fails.
   */
  public interface AuthorityFinder {
    Future<Void> find(CanonicalUrl url);
  }

  /** From now on, asks {@code finder} for the metadata of objects no authority vouches for yet. */
  public void findAuthoritiesWith(AuthorityFinder finder) {
    this.finder = finder;
  }

  /**
   * For a peer that takes mutable metadata from this node, its keeper: this node's copy of {@code url},
   * first revalidated upstream (once for all who ask) when older than {@code cacheControl} allows.
   * Only metadata this node holds or is fetching for its own clients is kept for others: for any other
   * URL the answer is null, so no peer can make this node fetch something new.
   */
  public Future<StoredObject> keepFor(CanonicalUrl url, RequestCacheControl cacheControl) {
    return renewal.keepFor(url, cacheControl);
  }

  /**
   * Another member ({@code from}) took a new version ({@code sha256}) of the signed Release at
   * {@code url} from upstream: this node takes it too when its own copy is due (see
   * {@link MetadataRenewal#renewedElsewhere}).
   */
  public void renewedElsewhere(CanonicalUrl url, Sha256 sha256, String from) {
    renewal.renewedElsewhere(url, sha256, from);
  }

  /**
   * Finds the answer for {@code url}. Fails with {@link UpstreamFailure} when upstream cannot deliver
   * and no stored copy can stand in.
   *
   * @param headOnly the client wants headers only: an uncached object is asked of upstream with HEAD
   *     and not fetched
   */
  public Future<Source> open(CanonicalUrl url, RequestCacheControl cacheControl, boolean headOnly, String userAgent) {
    renewal.clientAsked(url);
    if (learning.underway() && (ObjectKind.ofPath(url.pathAndQuery()) == ObjectKind.IMMUTABLE || authorities.lookup(url) != null)) {
      Promise<Void> learnt = Promise.promise();
      learning.afterwards(learnt::complete);
      return learnt.future().compose(v -> openNow(url, cacheControl, headOnly, userAgent));
    }
    return openNow(url, cacheControl, headOnly, userAgent);
  }

  private Future<Source> openNow(CanonicalUrl url, RequestCacheControl cacheControl, boolean headOnly,
      String userAgent) {
    Future<Void> found = headOnly ? null : findAuthority(url);
    if (found != null) {
      return found.transform(ignored -> answer(url, cacheControl, false, userAgent)).andThen(ar -> count(ar.result()));
    }
    return answer(url, cacheControl, headOnly, userAgent).andThen(ar -> count(ar.result()));
  }

  /**
   * For an immutable object no authority vouches for yet, and which this node neither holds nor is
   * fetching: the {@link AuthorityFinder}'s search for the metadata that would, or null when there is
   * nothing to wait for.
   */
  private Future<Void> findAuthority(CanonicalUrl url) {
    if (finder == null || ObjectKind.ofPath(url.pathAndQuery()) != ObjectKind.IMMUTABLE
        || authorities.lookup(url) != null) {
      return null;
    }
    ObjectKey byUrl = ObjectKey.of(url);
    if (flights.containsKey(byUrl) || store.get(byUrl).isPresent()) {
      return null;
    }
    Future<Void> found = finder.find(url);
    return found.isComplete() ? null : found;
  }

  /**
   * Stored metadata this node fetches for itself and learns from: completes once {@code url} is stored
   * (or served from the store) and its authority has read it, or has failed. Not counted as an answer.
   */
  public Future<Void> learn(CanonicalUrl url) {
    Future<Source> source = answer(url, RequestCacheControl.NONE, false, null);
    Flight flight = flights.get(keyOf(url));
    if (flight == null) {
      return source.mapEmpty();
    }
    return source.transform(ignored -> flight.settled.future());
  }

  /** As {@link #open}, without looking for an authority or counting the answer. */
  private Future<Source> answer(CanonicalUrl url, RequestCacheControl cacheControl, boolean headOnly, String userAgent) {
    return answer(url, cacheControl, headOnly, userAgent, true);
  }

  /**
   * @param viaKeeper whether mutable metadata may be taken from the LAN's keeper of it; false when
   *     this node answers as that keeper, which must ask upstream itself
   */
  Future<Source> answer(CanonicalUrl url, RequestCacheControl cacheControl, boolean headOnly, String userAgent,
      boolean viaKeeper) {
    Expectation authority = authorities.lookup(url);
    ObjectKey key = Lookup.keyOf(url, authority);
    Future<Void> adoption = renewal.adoption(key);
    if (adoption != null) {
      // A new Release is stored but its indexes are not yet here: it is served once they are.
      return adoption.transform(v -> answer(url, cacheControl, headOnly, userAgent, viaKeeper));
    }
    Future<Source> kept = renewal.fromKeeper(key);
    if (kept != null) {
      return kept;
    }
    Flight flight = flights.get(key);
    if (flight != null && flight.isPrefetched()) {
      flight.takeOver();
      prefetchedDone.remove(key);
      return flight.answer.future();
    }
    if (flight != null) {
      flight.join();
      return flight.answer.future().map(s -> s instanceof Source.Live live
          ? new Source.Live(live.transfer(), Disposition.JOINED) : s);
    }
    StoredObject stored = stored(key, url).orElse(null);
    // A prefetch that finished before its request's turn is still that request's miss (or peer).
    Disposition prefetchedAs = prefetchedDone.remove(key);
    return switch (lookup.decide(url, authority, stored, cacheControl, headOnly, clock.getAsLong())) {
      case SERVE -> Future.succeededFuture(new Source.Stored(stored, prefetchedAs == null ? Disposition.HIT
          : prefetchedAs));
      case HEAD -> responses.head(url, userAgent);
      case ROUTE -> route(key, url, userAgent);
      case REVALIDATE, FETCH -> viaKeeper ? renewal.refresh(key, url, stored, userAgent, cacheControl)
          : fetch(key, url, stored, userAgent, Origin.upstream(url));
    };
  }

  /**
   * Starts fetching {@code url} ahead of the request that will ask for it: a client pipelining several
   * GETs on one connection is answered in order, and a miss queued behind another would otherwise
   * start only when its turn comes. Only an object neither stored nor already under way is fetched,
   * exactly as {@link #open} would; the first {@code open} of it then takes the fetch over as its
   * own (answered as a miss, not as a joined request).
   */
  public void prefetch(CanonicalUrl url, String userAgent) {
    if (learning.underway()) {
      learning.afterwards(() -> prefetch(url, userAgent));
      return;
    }
    Future<Void> found = findAuthority(url);
    if (found != null) {
      found.onComplete(ignored -> prefetch(url, userAgent));
      return;
    }
    Expectation authority = authorities.lookup(url);
    ObjectKey key = Lookup.keyOf(url, authority);
    if (flights.containsKey(key) || stored(key, url).isPresent()) {
      return;
    }
    if (lookup.routable(url, key, authority)) {
      route(key, url, userAgent);
    } else {
      fetch(key, url, null, userAgent, Origin.upstream(url));
    }
    Flight flight = flights.get(key);
    if (flight != null) {
      flight.markPrefetched();
      flight.answer.future().onSuccess(source -> {
        if (flight.isPrefetched()) {
          prefetchedDone.put(key, source.disposition());
        }
      });
    }
  }

  /**
   * The key {@code url}'s object is known by, on this node and in the cluster: once an authority other
   * than this node's own fetch says what the bytes must be, their SHA-256 (so the same file reached
   * through two mirrors, or two paths, is one object); otherwise the SHA-256 of the URL.
   */
  public ObjectKey keyOf(CanonicalUrl url) {
    return Lookup.keyOf(url, authorities.lookup(url));
  }

  /**
   * The stored object for {@code key}; for a content key, also a copy stored under the URL's own key
   * before its authority was known, if it has the right digest.
   */
  Optional<StoredObject> stored(ObjectKey key, CanonicalUrl url) {
    Optional<StoredObject> stored = store.get(key);
    if (stored.isPresent()) {
      return stored;
    }
    ObjectKey byUrl = ObjectKey.of(url);
    return byUrl.equals(key) ? stored
        : store.get(byUrl).filter(o -> o.meta().sha256().hex().equals(key.id()));
  }

  /**
   * From now on, misses of shareable (immutable) objects are routed by {@code router}, which picks
   * their sources; mutable metadata is revalidated through its keeper ({@link MissRouter#keeperOf}).
   */
  public void routeMissesWith(MissRouter router) {
    this.router = router;
    this.lookup = new Lookup(freshness, router != null, shareUnverified);
  }

  /**
   * Checks every object against {@code authorities} from now on.
   *
   * @param shareUnverified whether objects no authority vouches for may still come from peers (a
   *     cluster with a secret)
   */
  public void useAuthorities(Authorities authorities, boolean shareUnverified) {
    this.authorities = authorities;
    this.shareUnverified = shareUnverified;
    this.lookup = new Lookup(freshness, router != null, shareUnverified);
  }

  public Authorities authorities() {
    return authorities;
  }

  /**
   * Takes {@code url}'s object from a peer's API instead of upstream, requiring {@code sha256}: a body
   * that differs is discarded and its readers get an error. Joins a fetch already under way and
   * answers a stored copy directly.
   *
   * @param secret the cluster secret, or null
   */
  public Future<Source> fetchFromPeer(CanonicalUrl url, String peerHost, int peerPort, byte[] secret, Sha256 sha256) {
    return fromPeer(url, peerHost, peerPort, secret, sha256);
  }

  /**
   * Streams {@code url}'s object from a peer while it is still being fetched there. Its digest is not
   * known yet: the object completes only once {@link #expectDigest} names it (the arbiter announces
   * it when the fetcher is done), and fails if none comes within
   * {@link ResponseFeed#DIGEST_WAIT_MILLIS} of the body being whole.
   */
  public Future<Source> streamFromPeer(CanonicalUrl url, String peerHost, int peerPort, byte[] secret) {
    return fromPeer(url, peerHost, peerPort, secret, null);
  }

  /** The digest a streamed object must have; applied now, or when its transfer starts. */
  public void expectDigest(ObjectKey key, Sha256 sha256) {
    Flight flight = flights.get(key);
    if (flight == null) {
      return;
    }
    if (flight.authority != null) {
      // A member's word never replaces an authority's; a disagreement shows when the body is checked.
      if (!flight.authority.sha256().equals(sha256)) {
        log.warn("{}: a member announced SHA-256 {}, but {} says {}", flight.url, sha256, flight.authority.source(),
            flight.authority.sha256());
      }
      return;
    }
    flight.announce(sha256);
  }

  private Future<Source> fromPeer(CanonicalUrl url, String peerHost, int peerPort, byte[] secret, Sha256 sha256) {
    ObjectKey key = keyOf(url);
    Flight flight = flights.get(key);
    if (flight != null) {
      return flight.answer.future();
    }
    Optional<StoredObject> stored = store.get(key);
    if (stored.isPresent()) {
      return Future.succeededFuture(new Source.Stored(stored.get(), Disposition.HIT));
    }
    return fetch(key, url, null, null, Origin.peer(key, peerHost, peerPort, secret, sha256));
  }

  /**
   * What this node has of {@code key} for a peer: the stored object, or the body still arriving, or
   * null. Never fetches, never revalidates: a peer asks for what it was told this node holds.
   */
  public Source peek(ObjectKey key) {
    Flight flight = flights.get(key);
    if (flight != null && flight.transfer() != null && !ContentNames.isLanOnly(flight.url)) {
      return new Source.Live(flight.transfer(), Disposition.JOINED);
    }
    return store.get(key).filter(this::offers).<Source>map(o -> new Source.Stored(o, Disposition.HIT)).orElse(null);
  }

  /**
   * Whether peers may be offered {@code object} (see {@link Publishing#offers}): a published one while
   * its limits allow, a {@code /sha256/} object taken from the LAN never, anything else always.
   */
  public boolean offers(StoredObject object) {
    return publishing.offers(object);
  }

  /**
   * Counts a peer's GET of {@code object} against a published object's max share count (see
   * {@link Publishing#claimShare}). Call just before serving it.
   *
   * @return whether it may be served: false for a published object no longer offered
   */
  public boolean claimShare(StoredObject object) {
    return publishing.claimShare(object);
  }

  /**
   * Imports {@code length} bytes from {@code body} into the store as a published object named by their
   * SHA-256, shared with peers within {@code maxAgeMillis} and {@code maxShares} (0: no limit); see
   * {@link Publishing#publish} for how it fails.
   */
  public Future<StoredObject> publish(ReadStream<Buffer> body, long length, long maxAgeMillis, int maxShares) {
    return publishing.publish(body, length, maxAgeMillis, maxShares);
  }

  /** Drops the published objects whose max age has passed (and tells the cluster); call now and then. */
  public void dropExpired() {
    publishing.dropExpired();
  }

  /**
   * As {@link #peek}, but waits for the first bytes of a fetch that has started, and checks a stored
   * copy before it is first shared (see {@link PeerOffers#peekSoon}). Completes with null when this
   * node has nothing to offer.
   */
  public Future<Source> peekSoon(ObjectKey key) {
    return peerOffers.peekSoon(key);
  }

  /**
   * Drops {@code key}'s stored object and tells the cluster this node no longer holds it. A fetch under
   * way is left alone. Completes with whether an object was stored.
   */
  public Future<Boolean> purge(ObjectKey key) {
    return peerOffers.purge(key);
  }

  /**
   * Re-reads the stored copy of {@code key} because a peer found it wrong, and drops it if it is (see
   * {@link PeerOffers#recheck}).
   *
   * @return whether the copy is kept (also when there is none to check); fails when a check is refused
   *     for now
   */
  public Future<Boolean> recheck(ObjectKey key) {
    return peerOffers.recheck(key);
  }

  /** Asks the peer at {@code host:port}, whose copy of {@code key} failed here, to check it. Best effort. */
  public void askPeerToRecheck(String host, int port, byte[] secret, ObjectKey key) {
    peerOffers.askPeerToRecheck(host, port, secret, key);
  }

  /** How many want {@code key} from this node now: its own clients and peers waiting for it; 0 if none. */
  public int demand(ObjectKey key) {
    Flight flight = flights.get(key);
    return flight == null ? 0 : flight.demand();
  }

  /** From now on, reports each miss's time to its first response to {@code timings}. */
  public void reportTo(Timings timings) {
    this.timings = timings;
  }

  public CacheCounters counters() {
    return counters;
  }

  /** Fetches in progress right now. */
  public int activeFetches() {
    return flights.size();
  }

  /**
   * An object being fetched now.
   *
   * @param length its announced length, or -1 while unknown
   * @param received body bytes here so far
   * @param startedAtMillis when its first request arrived
   * @param routed whether the cluster picks its sources (then the {@link MissRouter} knows which)
   */
  public record InFlight(ObjectKey key, String url, long length, long received, long startedAtMillis,
      boolean routed) {}

  /** The fetches in progress right now, oldest first. */
  public List<InFlight> inFlight() {
    List<InFlight> out = new ArrayList<>(flights.size());
    for (Flight f : flights.values()) {
      Transfer t = f.transfer();
      out.add(new InFlight(f.key, f.url.toString(), t == null ? -1 : t.head().length(), t == null ? 0 : t.received(),
          f.startedAt, f.routed() != null));
    }
    out.sort(java.util.Comparator.comparingLong(InFlight::startedAtMillis));
    return out;
  }

  /** A flight with one source, whose failure is the flight's. */
  Future<Source> fetch(ObjectKey key, CanonicalUrl url, StoredObject stale, String userAgent, Origin origin) {
    Flight flight = open(key, url, stale, userAgent);
    responses.feed(flight, origin);
    return flight.answer.future();
  }

  /** A flight whose sources the router picks, starting now. */
  private Future<Source> route(ObjectKey key, CanonicalUrl url, String userAgent) {
    Flight flight = open(key, url, null, userAgent);
    flight.routeBy(new RoutedFetch(responses, flight));
    router.route(flight.routed());
    return flight.answer.future();
  }

  Flight open(ObjectKey key, CanonicalUrl url, StoredObject stale, String userAgent) {
    Flight flight = new Flight(key, url, stale, userAgent, clock.getAsLong(), authorities.lookup(url),
        staging.prepare(key));
    flights.put(key, flight);
    return flight;
  }

  /** The flight's body is complete (or failed): stored, learnt from, and its waiters told. */
  void finish(Flight flight, PartialFile partial, Sha256 sha256, Throwable failure) {
    Transfer transfer = flight.transfer();
    flight.end();
    flight.supersede();
    if (failure != null || partial == null) {
      counters.upstreamFailure();
      if (failure instanceof VerificationException) {
        counters.verificationFailure();
      }
      if (failure instanceof VerificationException && flight.authority != null) {
        failure = new VerificationException(flight.url + ": " + failure.getMessage() + " (" + flight.authority.source()
            + "); nothing was kept");
      }
      log.warn("fetching {} failed: {}", flight.url, failure == null ? "no partial file" : failure.getMessage());
      responses.dropFeed(flight);
      Throwable cause = failure == null ? new IOException("no partial file") : failure;
      staging.discard(partial).onComplete(v -> {
        release(flight.key, transfer);
        flight.settled.tryComplete();
        if (flight.routed() != null) {
          router.failed(flight.routed(), cause);
        }
      });
      return;
    }
    flight.feedEnded();
    boolean fromUpstream = !flight.fromPeer();
    // A peer's copy of an index teaches as much as upstream's once the Release's digest has vouched for it.
    boolean teaches = mayTeach(flight.url) && (fromUpstream || vouched(flight.authority));
    if (teaches) {
      // Counted before the transfer's readers get the last byte (this runs as it completes), so that a
      // client's next request already waits for what the authorities learn from this file.
      learning.begin();
      flight.settled.future().onComplete(v -> learning.end());
    }
    if (fromUpstream && flight.renews() && authorities.checksCopiesOf(flight.url)) {
      renewal.holdUntilAdopted(flight.key, flight.settled.future());
    }
    ResponseHead head = transfer.head();
    ObjectMeta meta = new ObjectMeta(flight.url.toString(), transfer.received(), sha256, head.contentType(), head.etag(),
        head.lastModified(), clock.getAsLong(), flight.startedAt);
    boolean adopts = fromUpstream && flight.renews() && authorities.checksCopiesOf(flight.url);
    onWorker(() -> {
      if (adopts) {
        // Read before the commit replaces it: the fallback should the new Release's indexes not be had.
        flight.keepPrevious(MetadataRenewal.previousRelease(flight));
      }
      return store.commit(partial, meta);
    }).onComplete(ar -> {
      release(flight.key, transfer);
      if (ar.failed()) {
        flight.settled.tryComplete();
        log.warn("could not keep {} in the cache: {}", flight.url, ar.cause().toString());
        if (flight.routed() != null) {
          router.failed(flight.routed(), ar.cause());
        }
      } else {
        log.debug("stored {} ({} bytes, sha256 {})", flight.url, meta.size(), sha256);
        countVerified(flight, fromUpstream);
        peerOffers.checked(flight.key);
        if (teaches && ar.result().isPresent()) {
          // Metadata this node fetched itself may be the authority for what comes next.
          StoredObject stored = ar.result().get();
          onWorker(() -> {
            authorities.observe(flight.url, stored.data(), sha256);
            return null;
          }).compose(v -> fromUpstream && flight.renews() && authorities.checksCopiesOf(flight.url)
              ? renewal.adopt(flight, sha256) : Future.<Void>succeededFuture())
              .onComplete(learnt -> {
                flight.settled.tryComplete();
                if (mayTeach(flight.url)) {
                  tellLearnt();
                }
              });
        } else {
          flight.settled.tryComplete();
        }
        if (flight.routed() != null) {
          router.stored(flight.routed(), meta.size(), sha256);
          if (ar.result().isPresent() && !offers(ar.result().get())) {
            router.dropped(flight.key);
          }
        }
      }
    });
  }

  /**
   * Whether the authorities may learn something from {@code url}'s body: any metadata (a Release, a
   * repomd or primary, a pacman database, a narinfo) and apt's by-hash indexes, but no package file.
   */
  private static boolean mayTeach(CanonicalUrl url) {
    String path = url.pathAndQuery();
    return ObjectKind.ofPath(path) == ObjectKind.METADATA || path.toLowerCase(Locale.ROOT).contains("/by-hash/");
  }

  private static boolean vouched(Expectation authority) {
    return authority != null && authority.authority() != Authority.OWN_FETCH;
  }

  private void release(ObjectKey key, Transfer transfer) {
    flights.remove(key);
    transfer.release();
  }

  /** The flight ends without a body to store: it is forgotten, and what waits for it settled. */
  void endWithoutBody(Flight flight) {
    flights.remove(flight.key);
    flight.end();
    flight.settled.tryComplete();
  }

  /** Runs store I/O on a worker thread (see {@link Staging#onWorker}). */
  private <T> Future<T> onWorker(java.util.concurrent.Callable<T> task) {
    return staging.onWorker(task);
  }

  /** What vouched for a committed body. */
  private void countVerified(Flight flight, boolean fromUpstream) {
    if (flight.authority != null) {
      counters.countVerified(flight.authority.authority());
    } else if (fromUpstream) {
      counters.countVerified(Authority.OWN_FETCH);
    }
  }

  private void count(Source source) {
    if (source != null) {
      counters.answered(source.disposition());
    }
  }

  // What the cache's parts read of its state and setup; on the context.

  /** The fetch of {@code key} under way, or null. */
  Flight flight(ObjectKey key) {
    return flights.get(key);
  }

  /** Takes the flight's bytes from {@code origin} from now on (see {@link ResponseFeed#feed}). */
  void feed(Flight flight, Origin origin) {
    responses.feed(flight, origin);
  }

  /** The router misses of shareable objects go through, or null when the node runs alone. */
  MissRouter router() {
    return router;
  }

  /** Whether objects no authority vouches for may come from peers (a cluster with a secret). */
  boolean sharesUnverified() {
    return shareUnverified;
  }

  Lookup lookup() {
    return lookup;
  }

  /** The package caches offered read-only, or null. */
  ImportedFiles imports() {
    return imports;
  }

  /** Where each miss's time to its first response is reported. */
  Timings timings() {
    return timings;
  }

  /** {@code key}'s stored object was just written or checked here: it needs no check before sharing. */
  void checkedForPeers(ObjectKey key) {
    peerOffers.checked(key);
  }

  /** The authorities learnt from a file: tells whoever listens ({@link #onLearnt}). */
  void tellLearnt() {
    learntListener.run();
  }
}
