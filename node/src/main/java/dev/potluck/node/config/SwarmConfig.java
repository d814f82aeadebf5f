package dev.potluck.node.config;

import dev.potluck.node.cluster.ClusterSettings;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How a node takes part in its cluster: where it listens for peers, how it finds them, and how much it
 * gives them. Validated here, so that a bad value fails at start with a message naming the setting.
 *
 * @param bind the IPv4 address the cluster transport, mDNS and the peer listener bind to; never a
 *     wildcard, since peers are told this address
 * @param bindIsFallback true when no LAN address was found and {@code bind} is 127.0.0.1, so that only
 *     nodes on this host can be peers
 * @param peerPort the peer HTTP listener's port; 0 for an ephemeral port
 * @param clusterPort the cluster transport's (JGroups TCP) port; 0 for an ephemeral port
 * @param clusterName nodes with another name never join this node's cluster
 * @param seeds other nodes' cluster addresses, asked first when joining (may be empty)
 * @param mdns whether other nodes are found, and this one announced, by mDNS
 * @param secret the cluster secret, or null for none; with one, cluster traffic is encrypted and nodes
 *     without it stay out
 * @param maxUploads how many peers may download from this node at once
 * @param uploadRateBytesPerSecond the cap on this node's total upload to peers; 0 for none
 * @param share whether this node serves other members; false ({@code --no-share}): it takes from them,
 *     never announces what it holds, is never offered as a source, and its peer API refuses objects
 */
public record SwarmConfig(
    InetAddress bind,
    boolean bindIsFallback,
    int peerPort,
    int clusterPort,
    String clusterName,
    List<InetSocketAddress> seeds,
    boolean mdns,
    byte[] secret,
    int maxUploads,
    long uploadRateBytesPerSecond,
    boolean share) {

  /** The peer HTTP port, one above the client listener's 7878. */
  public static final int DEFAULT_PEER_PORT = 7879;

  /** JGroups' customary TCP port. */
  public static final int DEFAULT_CLUSTER_PORT = 7800;

  /** The cluster every node joins unless told otherwise, so that nodes on a LAN find each other unconfigured. */
  public static final String DEFAULT_CLUSTER = "potluck";

  /**
   * Each object is relayed to two peers at most, but apt keeps several objects in flight per host, so a
   * node may feed a dozen streams at once; sixteen still leaves each a fair slice of a gigabit port.
   */
  public static final int DEFAULT_MAX_UPLOADS = 16;

  /** Upper bound of {@code max-uploads}: each upload holds a connection and a file open. */
  public static final int MAX_MAX_UPLOADS = 1024;

  /** Shortest cluster secret accepted; the cluster's key is derived from it. */
  public static final int MIN_SECRET_BYTES = 16;

  /** The bind address when the host has no LAN address: peers only on this host. */
  public static final InetAddress FALLBACK_BIND = IpLiteral.parse("127.0.0.1");

  private static final Pattern HOST_NAME =
      Pattern.compile("(?=.*[A-Za-z])[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?");

  public SwarmConfig {
    if (bind == null) {
      throw new IllegalArgumentException("bind address missing");
    }
    if (!(bind instanceof Inet4Address)) {
      throw new IllegalArgumentException("bind must be an IPv4 address, got " + bind.getHostAddress());
    }
    if (bind.isAnyLocalAddress()) {
      throw new IllegalArgumentException("bind must be one address of this host, not the wildcard " + bind.getHostAddress());
    }
    if (bindIsFallback && !bind.isLoopbackAddress()) {
      throw new IllegalArgumentException("a fallback bind address must be loopback, got " + bind.getHostAddress());
    }
    requirePort("peer-port", peerPort);
    requirePort("cluster-port", clusterPort);
    if (peerPort != 0 && peerPort == clusterPort) {
      throw new IllegalArgumentException("cluster-port and peer-port must differ, both are " + peerPort);
    }
    if (!ClusterSettings.isValidClusterName(clusterName)) {
      throw new IllegalArgumentException("cluster name must be 1-64 letters, digits, '.', '_' or '-': '" + clusterName + "'");
    }
    seeds = List.copyOf(seeds);
    for (InetSocketAddress seed : seeds) {
      if (seed.isUnresolved() || !(seed.getAddress() instanceof Inet4Address) || seed.getAddress().isAnyLocalAddress()
          || seed.getPort() == 0) {
        throw new IllegalArgumentException("a seed must be an IPv4 address and a port 1-65535, got " + seed);
      }
    }
    if (secret != null) {
      if (secret.length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException(
            "the cluster secret must have at least " + MIN_SECRET_BYTES + " bytes, has " + secret.length);
      }
      secret = secret.clone();
    }
    if (maxUploads < 1 || maxUploads > MAX_MAX_UPLOADS) {
      throw new IllegalArgumentException("max-uploads must be 1-" + MAX_MAX_UPLOADS + ", got " + maxUploads);
    }
    if (uploadRateBytesPerSecond < 0) {
      throw new IllegalArgumentException("upload-rate must not be negative, got " + uploadRateBytesPerSecond);
    }
  }

  /** A node that shares what it holds. */
  public SwarmConfig(InetAddress bind, boolean bindIsFallback, int peerPort, int clusterPort, String clusterName,
      List<InetSocketAddress> seeds, boolean mdns, byte[] secret, int maxUploads, long uploadRateBytesPerSecond) {
    this(bind, bindIsFallback, peerPort, clusterPort, clusterName, seeds, mdns, secret, maxUploads,
        uploadRateBytesPerSecond, true);
  }

  /** The defaults, bound to {@link #detectBind()}'s address, or to 127.0.0.1 as a fallback. */
  public static SwarmConfig defaults() {
    return defaults(detectBind());
  }

  /**
   * The defaults, bound to {@code bind}; when {@code bind} is null (as {@link #detectBind()} returns on
   * a host without a LAN address), bound to {@link #FALLBACK_BIND} with {@code bindIsFallback} set.
   */
  public static SwarmConfig defaults(InetAddress bind) {
    return new SwarmConfig(bind == null ? FALLBACK_BIND : bind, bind == null, DEFAULT_PEER_PORT, DEFAULT_CLUSTER_PORT,
        DEFAULT_CLUSTER, List.of(), true, null, DEFAULT_MAX_UPLOADS, 0);
  }

  /**
   * The first IPv4 address, other than loopback, of the first network interface that is up and not
   * loopback, taking interfaces in the order of their index (so the same host gives the same answer);
   * null when there is none, or the interfaces cannot be listed.
   */
  public static InetAddress detectBind() {
    List<NetworkInterface> interfaces;
    try {
      interfaces = NetworkInterface.networkInterfaces()
          .sorted(Comparator.comparingInt(NetworkInterface::getIndex))
          .toList();
    } catch (SocketException e) {
      return null;
    }
    for (NetworkInterface candidate : interfaces) {
      try {
        if (!candidate.isUp() || candidate.isLoopback()) {
          continue;
        }
      } catch (SocketException e) {
        continue;
      }
      for (Enumeration<InetAddress> addresses = candidate.getInetAddresses(); addresses.hasMoreElements(); ) {
        InetAddress address = addresses.nextElement();
        if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isAnyLocalAddress()) {
          return address;
        }
      }
    }
    return null;
  }

  /**
   * A {@code --bind} value: an IPv4 literal such as {@code 192.168.1.20}, or a host name that resolves
   * to an IPv4 address. Wildcards, multicast and IPv6 are refused.
   */
  public static InetAddress parseBind(String text) {
    InetAddress address = ipv4(text.strip());
    if (address.isAnyLocalAddress()) {
      throw new IllegalArgumentException("cannot bind to the wildcard '" + text + "': peers are told this address;"
          + " give one address of this host (example: 192.168.1.20)");
    }
    return address;
  }

  /**
   * A {@code --seed} value: {@code HOST:PORT}, HOST an IPv4 literal or a name that resolves to an IPv4
   * address, PORT 1-65535.
   */
  public static InetSocketAddress parseSeed(String text) {
    HostPort hostPort = HostPort.parse(text.strip());
    if (text.strip().startsWith(":") || hostPort.host().equals("0.0.0.0")) {
      throw new IllegalArgumentException("a seed names another node's HOST:PORT, got '" + text + "'");
    }
    if (hostPort.port() == 0) {
      throw new IllegalArgumentException("seed port must be 1-65535 in '" + text + "'");
    }
    return new InetSocketAddress(ipv4(hostPort.host()), hostPort.port());
  }

  private static InetAddress ipv4(String text) {
    InetAddress address;
    if (text.contains(":") || text.matches("[0-9.]+")) {
      boolean bracketed = text.startsWith("[") && text.endsWith("]");
      try {
        address = IpLiteral.parse(bracketed ? text.substring(1, text.length() - 1) : text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not an IPv4 address: '" + text + "' (example: 192.168.1.20)");
      }
    } else if (HOST_NAME.matcher(text).matches()) {
      InetAddress[] all;
      try {
        all = InetAddress.getAllByName(text);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("cannot resolve '" + text + "'");
      }
      address = Arrays.stream(all).filter(a -> a instanceof Inet4Address).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("'" + text + "' has no IPv4 address; the cluster runs over IPv4"));
    } else {
      throw new IllegalArgumentException("not an IPv4 address or host name: '" + text + "'");
    }
    if (!(address instanceof Inet4Address)) {
      throw new IllegalArgumentException("IPv6 is not supported: '" + text + "'; the cluster runs over IPv4");
    }
    if (address.isMulticastAddress()) {
      throw new IllegalArgumentException("'" + text + "' is a multicast address");
    }
    return address;
  }

  private static void requirePort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + " must be 0-65535, got " + port);
    }
  }

  /** A copy: the record's own array never leaves it. */
  @Override
  public byte[] secret() {
    return secret == null ? null : secret.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SwarmConfig other
        && bind.equals(other.bind) && bindIsFallback == other.bindIsFallback
        && peerPort == other.peerPort && clusterPort == other.clusterPort
        && clusterName.equals(other.clusterName) && seeds.equals(other.seeds) && mdns == other.mdns
        && Arrays.equals(secret, other.secret)
        && maxUploads == other.maxUploads && uploadRateBytesPerSecond == other.uploadRateBytesPerSecond
        && share == other.share;
  }

  @Override
  public int hashCode() {
    return Objects.hash(bind, bindIsFallback, peerPort, clusterPort, clusterName, seeds, mdns, Arrays.hashCode(secret),
        maxUploads, uploadRateBytesPerSecond, share);
  }

  /** Never shows the secret, only whether there is one. */
  @Override
  public String toString() {
    return "SwarmConfig[bind=" + bind.getHostAddress() + (bindIsFallback ? " (fallback)" : "")
        + ", peerPort=" + peerPort + ", clusterPort=" + clusterPort + ", clusterName=" + clusterName
        + ", seeds=" + seeds.stream().map(s -> s.getAddress().getHostAddress() + ":" + s.getPort())
            .collect(Collectors.joining(", ", "[", "]"))
        + ", mdns=" + mdns + ", secret=" + (secret == null ? "none" : "(hidden)")
        + ", maxUploads=" + maxUploads + ", uploadRate=" + RateText.format(uploadRateBytesPerSecond)
        + ", share=" + share + "]";
  }
}
