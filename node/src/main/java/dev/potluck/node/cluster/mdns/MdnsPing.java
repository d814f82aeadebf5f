package dev.potluck.node.cluster.mdns;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.PingHeader;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.ByteArray;
import org.jgroups.util.NameCache;
import org.jgroups.util.Responses;

/**
 * JGroups discovery fed by mDNS: each time the group looks for members (at join, and at every MERGE3
 * round over TCP) it sends a discovery request to every address {@link PeerAddresses} knows now.
 *
 * <p>It is TCPPING with a host list that changes at run time, in the way DNS_PING asks a resolver:
 * the look-up sits behind an interface, so the protocol runs without multicast in tests. It never
 * learns membership from mDNS; a request merely invites the peer to answer, and the group decides.
 * Several discovery protocols may share a stack: the topmost asks all of them, so static seeds
 * (TCPPING) and mDNS peers are both asked.
 */
public final class MdnsPing extends Discovery {

  /**
   * This protocol's id in every member's stack; custom ids start at 512, and JGroups' own
   * external protocols use a few just above it.
   */
  public static final short ID = 1100;

  static {
    ClassConfigurator.addProtocol(ID, MdnsPing.class);
  }

  private final PeerAddresses peers;

  public MdnsPing(PeerAddresses peers) {
    this.peers = Objects.requireNonNull(peers, "peers");
  }

  @Override
  public boolean isDynamic() {
    // Peers come and go at run time; JGroups re-runs discovery for dynamic protocols when merging.
    return true;
  }

  @Override
  protected void findMembers(List<Address> members, boolean initialDiscovery, Responses responses) {
    PhysicalAddress self = (PhysicalAddress) down(new Event(Event.GET_PHYSICAL_ADDRESS, local_addr));
    PingData data = new PingData(local_addr, false, NameCache.get(local_addr), self);
    if (members != null && members.size() <= max_members_in_discovery_request) {
      data.mbrs(members);
    }
    ByteArray payload = marshal(data);
    PingHeader header = new PingHeader(PingHeader.GET_MBRS_REQ).clusterName(cluster_name)
        .initialDiscovery(initialDiscovery);
    for (PhysicalAddress target : targets(peers.addresses(), self)) {
      // Unbundled and out of band, as JGroups' own discovery sends them: a request must not wait
      // behind application traffic, nor be looped back to this node.
      Message request = new BytesMessage(target).setFlag(Message.Flag.DONT_BUNDLE, Message.Flag.OOB)
          .setFlag(Message.TransientFlag.DONT_LOOPBACK).putHeader(id, header).setArray(payload);
      try {
        down_prot.down(request);
      } catch (RuntimeException e) {
        // One unreachable peer must not stop the requests to the others; the next round retries.
        log.debug("%s: discovery request to %s failed: %s", local_addr, target, e);
      }
    }
  }

  /** The distinct addresses to ask, without this node's own. */
  static Set<PhysicalAddress> targets(Collection<InetSocketAddress> addresses, PhysicalAddress self) {
    Set<PhysicalAddress> targets = new LinkedHashSet<>();
    for (InetSocketAddress address : addresses) {
      if (address != null && !address.isUnresolved()) {
        targets.add(new IpAddress(address.getAddress(), address.getPort()));
      }
    }
    targets.remove(self);
    return targets;
  }
}
