package dev.potluck.node.cluster;

import dev.potluck.node.cluster.mdns.PeerAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How a node joins its group.
 *
 * @param clusterName nodes with another name never join this group
 * @param bind the IPv4 address the group's TCP transport listens on (never a wildcard: JGroups would
 *     advertise it to peers)
 * @param port the group's TCP port, or 0 for any free one
 * @param seeds other members' {@code bind:port}, asked first when joining (may be empty)
 * @param secret the cluster secret, or null: with one, all group traffic is encrypted with a key
 *     derived from it, and a node holding another secret stays out
 * @param discovered peers found at run time (mDNS), asked at every join and merge round in addition
 *     to the seeds; null when discovery is off
 */
public record ClusterSettings(String clusterName, InetAddress bind, int port, List<InetSocketAddress> seeds,
    byte[] secret, PeerAddresses discovered) {

  private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public ClusterSettings {
    if (!isValidClusterName(clusterName)) {
      throw new IllegalArgumentException("cluster name must be 1-64 letters, digits, '.', '_' or '-': '" + clusterName + "'");
    }
    if (bind == null || bind.isAnyLocalAddress() || bind.getAddress().length != 4) {
      throw new IllegalArgumentException("the cluster needs a specific IPv4 address to bind, not " + bind);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("cluster port out of range (0-65535, 0 for any free port): " + port);
    }
    seeds = List.copyOf(seeds);
    if (secret != null && secret.length < 16) {
      throw new IllegalArgumentException("the cluster secret must have at least 16 bytes, has " + secret.length);
    }
  }

  /** Settings with static seeds only, no run-time discovery. */
  public ClusterSettings(String clusterName, InetAddress bind, int port, List<InetSocketAddress> seeds, byte[] secret) {
    this(clusterName, bind, port, seeds, secret, null);
  }

  /** These settings, with {@code discovered} asked alongside the seeds. */
  public ClusterSettings withDiscovered(PeerAddresses discovered) {
    return new ClusterSettings(clusterName, bind, port, seeds, secret, discovered);
  }

  /** Whether {@code name} may name a cluster: 1-64 letters, digits, '.', '_' or '-'. */
  public static boolean isValidClusterName(String name) {
    return name != null && CLUSTER_NAME.matcher(name).matches();
  }
}
