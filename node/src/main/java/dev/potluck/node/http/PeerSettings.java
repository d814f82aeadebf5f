package dev.potluck.node.http;

import dev.potluck.node.config.HostPort;

/**
 * The peer listener: where other nodes fetch objects from this one.
 *
 * @param listen the LAN address and port (7879 by default)
 * @param secret the cluster secret, or null: with one, every request must carry a token made with it
 * @param limits caps on concurrent uploads and upload rate
 */
public record PeerSettings(HostPort listen, byte[] secret, UploadLimits limits) {

  public static final int DEFAULT_PORT = 7879;

  public PeerSettings {
    if (listen == null) {
      throw new IllegalArgumentException("the peer listener needs an address");
    }
    if (limits == null) {
      limits = UploadLimits.unlimited();
    }
  }

  /** A listener without caps. */
  public PeerSettings(HostPort listen, byte[] secret) {
    this(listen, secret, UploadLimits.unlimited());
  }
}
