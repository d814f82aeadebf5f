package dev.potluck.node.cache;

import dev.potluck.node.store.StoredObject;
import dev.potluck.node.transfer.Transfer;
import dev.potluck.node.trust.Expectation;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientResponse;

/**
 * One fetch in progress and everyone waiting for it. Its bytes may come from several sources in turn
 * (a peer that dies, then another, then upstream), each resuming where the last stopped.
 *
 * <p>What a flight is about is fixed when it opens and read directly; what changes while it runs
 * changes only through its methods, so each rule (a superseded source is ignored, resumes are
 * bounded, a prefetch is taken over once) lives in one place. Confined to the node's context, except
 * {@link #keepPrevious}, which a worker calls before the flight settles.
 */
final class Flight {

  final ObjectKey key;
  final CanonicalUrl url;
  /** The stored copy being revalidated, or null. */
  final StoredObject stale;
  final String userAgent;
  final long startedAt;
  /** {@link System#nanoTime} when it started, for the time-to-first-byte metric only. */
  final long startedNanos = System.nanoTime();
  /** What an authority says the body must be, or null: then it wins over any member's word. */
  final Expectation authority;
  /** The partial file, created while the first request is under way, so no time is lost after. */
  final Future<Staging.Prepared> prepared;
  final Promise<Source> answer = Promise.promise();
  /** Completes when the flight is over and, for metadata stored from upstream, learnt from. */
  final Promise<Void> settled = Promise.promise();
  /** Completes when the transfer exists: peers may follow it from then on. */
  final Promise<Void> started = Promise.promise();

  /** A digest announced before the transfer existed, applied when it does. */
  private Sha256 announced;
  /** Some of the body came from a peer. */
  private boolean fromPeer;
  private Transfer transfer;
  /** Bumped for every new source: callbacks of a superseded source do nothing. */
  private int generation;
  /** The response bytes come from now, or null. */
  private HttpClientResponse feed;
  /** Set when the cluster chooses the sources; null for a flight with one source. */
  private RoutedFetch routed;
  private boolean over;
  /** Times in a row upstream broke off mid-body, with no byte gained, and was asked for the rest. */
  private int upstreamResumes;
  /** Bytes received when the rest was last asked for. */
  private long resumedAt;
  /** Local requests that joined this flight after the first. */
  private int joined;
  /** Peers waiting for this flight's first bytes ({@link LocalCache#peekSoon}). */
  private int peersWaiting;
  /** Started by {@link LocalCache#prefetch}: the first request to open it takes it over as its own. */
  private boolean prefetched;
  /** For a signed Release: whether its indexes are renewed before it is served. */
  private boolean renews = true;
  /** For a signed Release that replaces an older one: the older one's bytes, to fall back to. */
  private byte[] previousRelease;

  Flight(ObjectKey key, CanonicalUrl url, StoredObject stale, String userAgent, long startedAt,
      Expectation authority, Future<Staging.Prepared> prepared) {
    this.key = key;
    this.url = url;
    this.stale = stale;
    this.userAgent = userAgent;
    this.startedAt = startedAt;
    this.authority = authority;
    this.prepared = prepared;
  }

  /** The body being received, or null before the first source answered with one. */
  Transfer transfer() {
    return transfer;
  }

  /** The first body arrived: from now on its bytes go to {@code transfer}. */
  void receiveInto(Transfer transfer) {
    this.transfer = transfer;
  }

  /** Body bytes received so far, from every source together. */
  long received() {
    return transfer == null ? 0 : transfer.received();
  }

  /** The digest a member announced, or null. */
  Sha256 announced() {
    return announced;
  }

  /**
   * A member announced the body's digest: the transfer checks it now, or once it exists. The caller
   * has made sure no authority vouches for the body (an authority's word wins).
   */
  void announce(Sha256 sha256) {
    if (transfer != null) {
      transfer.expect(sha256);
    } else {
      announced = sha256;
    }
  }

  /** A new source takes over: callbacks of the previous one, holding an older generation, do nothing. */
  int supersede() {
    return ++generation;
  }

  /** Whether {@code generation} is still the current source's. */
  boolean isCurrent(int generation) {
    return generation == this.generation;
  }

  /** Some of the body comes from a peer. */
  void takeFromPeer() {
    fromPeer = true;
  }

  boolean fromPeer() {
    return fromPeer;
  }

  /** The response the body's bytes come from now, or null between sources. */
  HttpClientResponse feed() {
    return feed;
  }

  void feedFrom(HttpClientResponse response) {
    this.feed = response;
  }

  /** The current source's response is over (or given up): nothing to drop any more. */
  void feedEnded() {
    this.feed = null;
  }

  RoutedFetch routed() {
    return routed;
  }

  /** The cluster chooses this flight's sources through {@code routed} from now on. */
  void routeBy(RoutedFetch routed) {
    this.routed = routed;
  }

  boolean isOver() {
    return over;
  }

  /** No source may feed this flight any more. */
  void end() {
    over = true;
  }

  /**
   * Whether upstream, which broke off mid-body, may be asked for the rest once more: at most
   * {@code maxResumes} times in a row without a byte gained. Counts the resume when it may.
   */
  boolean mayResumeUpstream(int maxResumes) {
    if (upstreamResumes >= maxResumes) {
      return false;
    }
    upstreamResumes++;
    resumedAt = transfer.received();
    return true;
  }

  /** A source failed: if the last resume moved the body on, it does not count against the next. */
  void forgiveResumesIfMovedOn() {
    if (transfer != null && transfer.received() > resumedAt) {
      upstreamResumes = 0;
    }
  }

  /** Another local request joined. */
  void join() {
    joined++;
  }

  void peerWaits() {
    peersWaiting++;
  }

  void peerStoppedWaiting() {
    peersWaiting--;
  }

  /** How many want this flight's object now: its first request, those that joined, and waiting peers. */
  int demand() {
    return 1 + joined + peersWaiting;
  }

  void markPrefetched() {
    prefetched = true;
  }

  boolean isPrefetched() {
    return prefetched;
  }

  /** The request the prefetch was for arrived: it takes the flight over as its own. */
  void takeOver() {
    prefetched = false;
  }

  boolean renews() {
    return renews;
  }

  /** A Release fetched again only to see whether it moved on: its indexes are not renewed for it. */
  void skipRenewal() {
    renews = false;
  }

  /** Remembers the previous Release's bytes (null: none to fall back to). Called on a worker. */
  void keepPrevious(byte[] bytes) {
    previousRelease = bytes;
  }

  byte[] previousRelease() {
    return previousRelease;
  }
}
