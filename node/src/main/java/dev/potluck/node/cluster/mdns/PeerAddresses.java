package dev.potluck.node.cluster.mdns;

import java.net.InetSocketAddress;
import java.util.Collection;

/**
 * Where the group's other members may be listening, as discovery currently knows it.
 *
 * <p>Implementations must be safe to call from any thread and must not block: JGroups asks during
 * joins and again at every merge round. The answer may be stale or incomplete; it only seeds
 * discovery, and membership itself comes from the group.
 */
public interface PeerAddresses {

  /** The JGroups TCP addresses of known peers, this node excluded; a snapshot, possibly empty. */
  Collection<InetSocketAddress> addresses();
}
