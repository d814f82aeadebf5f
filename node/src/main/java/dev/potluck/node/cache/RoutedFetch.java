package dev.potluck.node.cache;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;

/**
 * A local miss whose bytes come from where a {@link MissRouter} says: upstream, or a peer. Switching
 * source keeps the bytes already received and resumes after them with a Range request, so a stream
 * whose source dies continues from another node, or from upstream, without starting over. Clients
 * follow the one body throughout. Confined to the node's context.
 */
public final class RoutedFetch {

  private final ResponseFeed feed;
  private final Flight flight;

  RoutedFetch(ResponseFeed feed, Flight flight) {
    this.feed = feed;
    this.flight = flight;
  }

  public ObjectKey key() {
    return flight.key;
  }

  public CanonicalUrl url() {
    return flight.url;
  }

  /** Body bytes received so far, from every source together. */
  public long received() {
    return flight.received();
  }

  /** Whether the fetch has ended, stored or failed. */
  public boolean isOver() {
    return flight.isOver();
  }

  /**
   * Fetch the rest from upstream: this node is now the object's fetcher, so the digest it computes is
   * the object's (one already announced is still checked).
   */
  public void fromUpstream() {
    if (flight.transfer() != null) {
      flight.transfer().stopAwaitingDigest();
    }
    feed.feed(flight, Origin.upstream(flight.url));
  }

  /**
   * Take the rest from a peer's API.
   *
   * @param secret the cluster secret, or null
   * @param sha256 the digest the object must have, or null when it is still being fetched and its
   *     digest is announced later ({@link LocalCache#expectDigest})
   */
  public void fromPeer(String host, int port, byte[] secret, Sha256 sha256) {
    if (sha256 != null && flight.transfer() != null && flight.authority == null) {
      flight.transfer().expect(sha256);
    }
    feed.feed(flight, Origin.peer(flight.key, host, port, secret, sha256));
  }

  @Override
  public String toString() {
    return "RoutedFetch[" + flight.url + ", " + received() + " bytes]";
  }
}
