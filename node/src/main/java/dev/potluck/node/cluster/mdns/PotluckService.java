package dev.potluck.node.cluster.mdns;

import dev.potluck.node.cluster.ClusterSettings;
import dev.potluck.protocol.NodeId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one node announces over mDNS: service type {@value #TYPE}, instance name = node id hex, port =
 * the group's TCP port, and a TXT record with {@code id}, {@code cluster}, {@code proto}, {@code http}
 * and {@code jgroups}.
 *
 * <p>The TXT record is the contract, not the SRV record: a record is acted on only once its TXT is
 * complete and valid, because JmDNS may report a service before its TXT has arrived. Anything a peer
 * announces is untrusted input, so {@link #parse} rejects rather than guesses.
 *
 * @param id the node's stable id
 * @param cluster the cluster name; nodes of other clusters ignore each other
 * @param httpPort the node's peer HTTP port
 * @param jgroupsPort the node's JGroups TCP port
 */
public record PotluckService(NodeId id, String cluster, int httpPort, int jgroupsPort) {

  /** The mDNS service type every node browses and announces. */
  public static final String TYPE = "_potluck._tcp.local.";

  /** The version of this record's format; a node ignores records of other versions. */
  public static final String PROTOCOL_VERSION = "1";

  static final String ID = "id";
  static final String CLUSTER = "cluster";
  static final String PROTO = "proto";
  static final String HTTP = "http";
  static final String JGROUPS = "jgroups";

  public PotluckService {
    Objects.requireNonNull(id, "id");
    if (!ClusterSettings.isValidClusterName(cluster)) {
      throw new IllegalArgumentException("not a cluster name: '" + cluster + "'");
    }
    checkPort("http", httpPort);
    checkPort("jgroups", jgroupsPort);
  }

  /** The mDNS instance name: the node id, so that one node is one instance whatever its address. */
  public String instanceName() {
    return id.hex();
  }

  /** The TXT record announcing this node. */
  public Map<String, String> txt() {
    Map<String, String> txt = new LinkedHashMap<>();
    txt.put(ID, id.hex());
    txt.put(CLUSTER, cluster);
    txt.put(PROTO, PROTOCOL_VERSION);
    txt.put(HTTP, Integer.toString(httpPort));
    txt.put(JGROUPS, Integer.toString(jgroupsPort));
    return txt;
  }

  /**
   * Reads another node's TXT record. Empty when a key is missing or malformed or the protocol version
   * is not {@value #PROTOCOL_VERSION}; never throws, since the text comes off the network.
   */
  public static Optional<PotluckService> parse(Map<String, String> txt) {
    if (txt == null || !PROTOCOL_VERSION.equals(txt.get(PROTO))) {
      return Optional.empty();
    }
    int http = port(txt.get(HTTP));
    int jgroups = port(txt.get(JGROUPS));
    String cluster = txt.get(CLUSTER);
    if (http < 0 || jgroups < 0 || !ClusterSettings.isValidClusterName(cluster)) {
      return Optional.empty();
    }
    try {
      // Ids are written lower-case; a record that differs only by case is someone else's writer, still the same id.
      return Optional.of(new PotluckService(NodeId.parse(txt.get(ID)), cluster, http, jgroups));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether this node should contact {@code other}: same cluster, and not itself. */
  public boolean isPeer(PotluckService other) {
    return other.cluster.equals(cluster) && !other.id.equals(id);
  }

  /** A decimal port 1-65535 with no sign, spaces or leading zeros; -1 otherwise. */
  private static int port(String text) {
    if (text == null || !text.matches("[1-9][0-9]{0,4}")) {
      return -1;
    }
    int port = Integer.parseInt(text);
    return port <= 65535 ? port : -1;
  }

  private static void checkPort(String what, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(what + " port out of range (1-65535): " + port);
    }
  }
}
