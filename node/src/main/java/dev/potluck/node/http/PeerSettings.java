package dev.potluck.node.http;

import dev.potluck.node.config.HostPort;

/**
 * The peer listener: where other nodes fetch objects from this one.
 *
 * @param listen the LAN address and port (7879 by default)
 * @param secret the cluster secret, or null: with one, every request must carry a token made with it
 * @param limits caps on concurrent uploads and upload rate
 * @param share false when the node serves nobody ({@code --no-share}): object requests are refused (403)
 */
public record PeerSettings(HostPort listen, byte[] secret, UploadLimits limits, boolean share) {

  public static final int DEFAULT_PORT = 7879;

  public PeerSettings {
    if (listen == null) {
      throw new IllegalArgumentException("the peer listener needs an address");
    }
    if (limits == null) {
      limits = UploadLimits.unlimited();
    }
  }

  /** A listener that serves objects. */
  public PeerSettings(HostPort listen, byte[] secret, UploadLimits limits) {
    this(listen, secret, limits, true);
  }

  /** A listener without caps. */
  public PeerSettings(HostPort listen, byte[] secret) {
    this(listen, secret, UploadLimits.unlimited());
  }
}
