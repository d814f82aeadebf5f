package dev.potluck.node.cache;

import dev.potluck.node.store.StoredObject;
import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.ContentNames;
import dev.potluck.node.trust.Expectation;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.scheduler.freshness.FreshnessPolicy;
import dev.potluck.scheduler.freshness.ObjectKind;
import dev.potluck.scheduler.freshness.RequestCacheControl;

/**
 * What a request that no fetch under way answers needs: the stored copy as it is, a revalidation, a
 * HEAD upstream, a fetch the cluster routes, or a plain fetch. Pure: the stored copy, what the
 * authorities say and the time are passed in, so every branch is a unit test, and {@link LocalCache}
 * is left with carrying the decision out.
 *
 * <p>Immutable, built from the node's setup: whether it is in a cluster, and whether members may
 * vouch for objects no authority does (a cluster with a secret).
 */
final class Lookup {

  /** What to do for one request. */
  enum Action {
    /** The stored copy is fresh: serve it. */
    SERVE,
    /** The stored copy is metadata past its age: revalidate it (through the LAN's keeper, if any). */
    REVALIDATE,
    /** Nothing stored and the client wants headers only: ask upstream with HEAD. */
    HEAD,
    /** Nothing stored, and the cluster may supply it: the router picks the source. */
    ROUTE,
    /** Nothing stored: fetch it (mutable metadata through the LAN's keeper, if any). */
    FETCH
  }

  private final FreshnessPolicy freshness;
  private final boolean clustered;
  private final boolean shareUnverified;

  /**
   * @param clustered whether misses can be routed through a cluster
   * @param shareUnverified whether objects no authority vouches for may still come from peers
   */
  Lookup(FreshnessPolicy freshness, boolean clustered, boolean shareUnverified) {
    this.freshness = freshness;
    this.clustered = clustered;
    this.shareUnverified = shareUnverified;
  }

  /**
   * @param authority what the authorities say {@code url}'s bytes must be, or null
   * @param stored the copy stored under {@code url}'s key ({@link #keyOf}), or null
   * @param headOnly whether the client wants headers only
   */
  Action decide(CanonicalUrl url, Expectation authority, StoredObject stored, RequestCacheControl cacheControl,
      boolean headOnly, long nowMillis) {
    ObjectKey key = keyOf(url, authority);
    if (stored != null) {
      return freshness.decide(kindOf(url, key), stored.meta().validatedAtMillis(), nowMillis, cacheControl)
          == FreshnessPolicy.Decision.SERVE ? Action.SERVE : Action.REVALIDATE;
    }
    if (headOnly && !ContentNames.isLanOnly(url)) {
      return Action.HEAD;
    }
    return routable(url, key, authority) ? Action.ROUTE : Action.FETCH;
  }

  /**
   * Whether the cluster may supply {@code url}, known by {@code key}: an immutable object, which an
   * authority vouches for or which members of a cluster with a secret may vouch for; or metadata known
   * by its content (an index a verified Release lists).
   */
  boolean routable(CanonicalUrl url, ObjectKey key, Expectation authority) {
    if (!clustered) {
      return false;
    }
    if (ObjectKind.ofPath(url.pathAndQuery()) == ObjectKind.IMMUTABLE) {
      return shareUnverified || authority != null;
    }
    return !key.equals(ObjectKey.of(url));
  }

  /**
   * Whether mutable metadata known by {@code key} may be taken from the member that keeps it for the
   * LAN: only in a cluster, only under its URL's own key, and only when this node can check the copy
   * ({@code checksCopies}) or the cluster has a secret.
   */
  boolean mayAskKeeper(CanonicalUrl url, ObjectKey key, boolean checksCopies) {
    return clustered && key.equals(ObjectKey.of(url)) && (shareUnverified || checksCopies);
  }

  /**
   * The key {@code url}'s object is known by: once an authority other than this node's own fetch says
   * what the bytes must be, their SHA-256 (so the same file reached through two mirrors, or two paths,
   * is one object); otherwise the SHA-256 of the URL.
   */
  static ObjectKey keyOf(CanonicalUrl url, Expectation authority) {
    return authority != null && authority.authority() != Authority.OWN_FETCH
        ? new ObjectKey(authority.sha256().hex()) : ObjectKey.of(url);
  }

  /**
   * Whether {@code url}'s object, known by {@code key}, can change: an index a verified Release lists
   * (or any file named by its digest) is known by its content, so the copy under that key never goes
   * stale; the Release moving on gives the URL a new key instead.
   */
  static ObjectKind kindOf(CanonicalUrl url, ObjectKey key) {
    return key.equals(ObjectKey.of(url)) ? ObjectKind.ofPath(url.pathAndQuery()) : ObjectKind.IMMUTABLE;
  }
}
