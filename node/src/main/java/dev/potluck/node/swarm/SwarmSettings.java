package dev.potluck.node.swarm;

import dev.potluck.node.cluster.ClusterSettings;
import dev.potluck.scheduler.SchedulerConfig;

/**
 * How a node takes part in its cluster.
 *
 * @param cluster the group to join (name, address, port, seeds, secret)
 * @param mdns whether to announce this node and find peers over mDNS
 * @param peerPort the port the peer API really listens on, gossiped to the other members
 * @param scheduler the scheduler's tunables
 * @param shares false for a node that serves nobody ({@code --no-share}): see {@code Scheduler}
 */
public record SwarmSettings(ClusterSettings cluster, boolean mdns, int peerPort, SchedulerConfig scheduler,
    boolean shares) {

  public SwarmSettings {
    if (peerPort < 1 || peerPort > 65_535) {
      throw new IllegalArgumentException("peer port out of range (1-65535): " + peerPort);
    }
  }
}
