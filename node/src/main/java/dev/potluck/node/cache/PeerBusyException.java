package dev.potluck.node.cache;

import java.io.IOException;

/**
 * A peer answered 503: it is at its upload cap for now. Unlike a peer that failed, it is worth asking
 * again shortly, rather than fetching from upstream what the LAN already has.
 */
public final class PeerBusyException extends IOException {

  public PeerBusyException(String message) {
    super(message);
  }
}
