package dev.potluck.node.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.potluck.protocol.NodeId;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerDirectoryTest {

  private final Random random = new Random(3);
  private final NodeId self = NodeId.random(random);
  private final NodeId peer = NodeId.random(random);
  private final NodeId stranger = NodeId.random(random);
  private final Map<NodeId, InetAddress> groupHosts = new HashMap<>();
  private final PeerDirectory directory = new PeerDirectory(self, groupHosts::get);

  PeerDirectoryTest() throws Exception {
    groupHosts.put(peer, InetAddress.getByName("10.0.0.7"));
    groupHosts.put(stranger, InetAddress.getByName("10.0.0.9"));
    directory.view(List.of(self, peer));
  }

  @Test
  void endpoint_needsTheGossipedPortAndTheGroupsHost() {
    assertNull(directory.endpoint(peer), "no port gossiped yet");
    directory.port(peer, 7879);
    assertEquals(new PeerDirectory.Endpoint(groupHosts.get(peer), 7879), directory.endpoint(peer));
    assertNull(directory.endpoint(self), "a node never fetches from itself");
  }

  @Test
  void portOfANonMember_isIgnored_andLeavingForgetsIt() {
    directory.port(stranger, 7879);
    assertNull(directory.endpoint(stranger));
    directory.port(peer, 7879);
    directory.view(List.of(self));
    directory.view(List.of(self, peer));
    assertNull(directory.endpoint(peer), "a member that left and came back must gossip its port again");
  }

  @Test
  void blocklisted_neverAnEndpoint_butItsAddressStillShown() {
    directory.port(peer, 7879);
    directory.blocklist(peer, "served bytes with the wrong SHA-256");
    assertNull(directory.endpoint(peer));
    assertEquals(7879, directory.address(peer).port());
    assertEquals(Map.of(peer, "served bytes with the wrong SHA-256"), directory.blocklisted());
  }
}
