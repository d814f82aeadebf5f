package dev.potluck.node.cache;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;

/**
 * Picks where a missing shareable object comes from: the cluster's answer to "who has it?". The cache
 * calls it on its context, and it steers each {@link RoutedFetch} from there.
 */
public interface MissRouter {

  /** A local client wants an object no local flight or stored copy can answer; choose its first source. */
  void route(RoutedFetch fetch);

  /**
   * The fetch's current peer source refused, broke off or answered wrongly. The bytes received so far
   * are kept: the next source resumes after them. The fetch waits until the router gives it one.
   */
  void sourceFailed(RoutedFetch fetch, Throwable cause);

  /** The object is complete, verified and stored. */
  void stored(RoutedFetch fetch, long size, Sha256 sha256);

  /** The fetch is over without a copy (its clients got an error); {@code cause} says why. */
  void failed(RoutedFetch fetch, Throwable cause);

  /**
   * Where the member that revalidates mutable metadata known by {@code urlKey} for the whole LAN (its
   * keeper) takes requests, when that member is another one and is trusted; null when this node is the
   * keeper itself, or none is known.
   */
  default Keeper keeperOf(ObjectKey urlKey) {
    return null;
  }

  /** The cluster secret peer requests are signed with, or null. */
  default byte[] peerSecret() {
    return null;
  }

  /**
   * This node took a new version ({@code sha256}) of the signed Release at {@code url} from upstream and
   * holds the indexes its clients use as it lists them: other members may take them now.
   */
  default void renewed(CanonicalUrl url, Sha256 sha256) {}

  /** {@code keeper} served metadata that failed its check here: it is never asked again. */
  default void keeperFailed(Keeper keeper, String why) {}

  /** A member that keeps metadata for the LAN, and where its peer API is. */
  record Keeper(NodeId member, String host, int port) {
    String where() {
      return "peer " + member + " (" + host + ":" + port + ")";
    }
  }

  /** This node now holds {@code key}'s object (published here): others may be sent here for it. */
  default void holds(ObjectKey key, String url, long size, Sha256 sha256) {}

  /** This node no longer holds {@code key} (purged, or found wrong): nobody should be sent here for it. */
  default void dropped(ObjectKey key) {}
}
