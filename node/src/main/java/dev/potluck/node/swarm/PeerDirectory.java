package dev.potluck.node.swarm;

import dev.potluck.protocol.NodeId;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.LinkedHashSet;

/**
 * Where each member's peer API is: its host comes from the group's view, its port from its gossiped
 * load. Also the blocklist: members that served bytes which failed verification are never asked again
 * while this node runs. Confined to the node's context.
 */
final class PeerDirectory {

  /** A member's peer API. */
  record Endpoint(InetAddress host, int port) {
    String hostAddress() {
      return host.getHostAddress();
    }
  }

  private final NodeId self;
  private final Function<NodeId, InetAddress> resolver;
  private final Set<NodeId> members = new LinkedHashSet<>();
  private final Map<NodeId, InetAddress> hosts = new HashMap<>();
  private final Map<NodeId, Integer> ports = new HashMap<>();
  private final Map<NodeId, String> blocklist = new LinkedHashMap<>();

  /** @param resolver a member's host as the group knows it, or null */
  PeerDirectory(NodeId self, Function<NodeId, InetAddress> resolver) {
    this.self = self;
    this.resolver = resolver;
  }

  /** The view changed. */
  void view(List<NodeId> view) {
    members.clear();
    members.addAll(view);
    hosts.keySet().retainAll(members);
    ports.keySet().retainAll(members);
  }

  void port(NodeId member, int port) {
    if (members.contains(member)) {
      ports.put(member, port);
    }
  }

  /** Where to fetch from {@code member}; null for this node, a blocklisted member, or one not yet heard of. */
  Endpoint endpoint(NodeId member) {
    if (blocklist.containsKey(member)) {
      return null;
    }
    return address(member);
  }

  /** Where {@code member}'s peer API is, blocklisted or not; null for this node or one not yet heard of. */
  Endpoint address(NodeId member) {
    if (member.equals(self)) {
      return null;
    }
    Integer port = ports.get(member);
    InetAddress host = hosts.get(member);
    if (host == null && port != null) {
      host = resolver.apply(member);
      if (host != null) {
        hosts.put(member, host);
      }
    }
    return host == null || port == null ? null : new Endpoint(host, port);
  }

  void blocklist(NodeId member, String reason) {
    blocklist.putIfAbsent(member, reason);
  }

  Map<NodeId, String> blocklisted() {
    return Map.copyOf(blocklist);
  }
}
