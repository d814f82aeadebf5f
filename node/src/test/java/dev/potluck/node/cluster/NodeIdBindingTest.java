package dev.potluck.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.NodeId;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jgroups.Address;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

/** A node id is bound to the group address that held it first (DESIGN.md, "Trust"). */
class NodeIdBindingTest {

  private final Random random = new Random(5);
  private final NodeId self = NodeId.random(random);
  private final NodeId a = NodeId.random(random);
  private final NodeId b = NodeId.random(random);
  private final Address selfAddress = JGroupsCluster.addressOf(self);
  private final Address aFirst = JGroupsCluster.addressOf(a);
  private final Address bAddress = JGroupsCluster.addressOf(b);

  @Test
  void bind_secondAddressClaimingAHeldId_isLeftOutAndRefused() {
    Address aImpostor = JGroupsCluster.addressOf(a);
    JGroupsCluster.Binding first = JGroupsCluster.bind(List.of(selfAddress, aFirst, bAddress), Map.of(), self, selfAddress);
    assertEquals(Map.of(self, selfAddress, a, aFirst, b, bAddress), first.addresses());
    assertEquals(List.of(), first.refused());

    // JGroups orders a view oldest first, but the binding does not rely on it: the holder keeps its id.
    JGroupsCluster.Binding next = JGroupsCluster.bind(List.of(selfAddress, aImpostor, bAddress, aFirst),
        first.addresses(), self, selfAddress);
    assertEquals(Map.of(self, selfAddress, a, aFirst, b, bAddress), next.addresses());
    assertEquals(List.of(aImpostor), next.refused());

    assertTrue(JGroupsCluster.speaksFor(next.addresses(), a, aFirst));
    assertFalse(JGroupsCluster.speaksFor(next.addresses(), a, aImpostor), "the refused address's messages are dropped");
  }

  @Test
  void bind_twoNewcomersWithOneId_theFirstInTheViewKeepsIt() {
    Address aSecond = JGroupsCluster.addressOf(a);
    JGroupsCluster.Binding binding = JGroupsCluster.bind(List.of(selfAddress, aFirst, aSecond), Map.of(), self, selfAddress);
    assertEquals(aFirst, binding.addresses().get(a));
    assertEquals(List.of(aSecond), binding.refused());
  }

  @Test
  void bind_anotherAddressClaimingThisNodesOwnId_isRefused() {
    Address impostor = JGroupsCluster.addressOf(self);
    JGroupsCluster.Binding binding = JGroupsCluster.bind(List.of(impostor, selfAddress), Map.of(), self, selfAddress);
    assertEquals(Map.of(self, selfAddress), binding.addresses());
    assertEquals(List.of(impostor), binding.refused());
  }

  @Test
  void bind_holderLeaves_theIdIsFreeForItsNextAddress() {
    // A node restarted gets a new address: once the old one has left the view, the new one holds the id.
    Address aRestarted = JGroupsCluster.addressOf(a);
    JGroupsCluster.Binding before = JGroupsCluster.bind(List.of(selfAddress, aFirst), Map.of(), self, selfAddress);
    JGroupsCluster.Binding after = JGroupsCluster.bind(List.of(selfAddress, aRestarted), before.addresses(), self, selfAddress);
    assertEquals(aRestarted, after.addresses().get(a));
    assertEquals(List.of(), after.refused());
  }

  @Test
  void rebound_anIdWhoseAddressChangedInOneView_isAMemberThatRestarted() {
    Address aRestarted = JGroupsCluster.addressOf(a);
    JGroupsCluster.Binding before = JGroupsCluster.bind(List.of(selfAddress, aFirst, bAddress), Map.of(), self, selfAddress);
    JGroupsCluster.Binding after = JGroupsCluster.bind(List.of(selfAddress, bAddress, aRestarted), before.addresses(), self,
        selfAddress);
    assertEquals(java.util.Set.of(a), JGroupsCluster.rebound(before.addresses(), after.addresses()));
    assertEquals(java.util.Set.of(), JGroupsCluster.rebound(after.addresses(), after.addresses()));
    assertEquals(java.util.Set.of(), JGroupsCluster.rebound(Map.of(self, selfAddress), after.addresses()),
        "members that are new are no restarts");
  }

  @Test
  void bind_memberWithoutAKnownId_isLeftOutNotRefused() {
    Address anonymous = UUID.randomUUID();
    JGroupsCluster.Binding binding = JGroupsCluster.bind(List.of(selfAddress, anonymous), Map.of(), self, selfAddress);
    assertEquals(Map.of(self, selfAddress), binding.addresses());
    assertEquals(List.of(), binding.refused());
    assertTrue(JGroupsCluster.speaksFor(binding.addresses(), b, bAddress), "a sender not yet in the view is let through");
  }

  @Test
  void stack_capsFramesAndEncryptsWithAnAuthenticatedMode() throws Exception {
    ClusterSettings settings = new ClusterSettings("t", java.net.InetAddress.getLoopbackAddress(), 0, List.of(),
        "0123456789abcdef0123".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    List<org.jgroups.stack.Protocol> stack = JGroupsCluster.stack(settings);
    org.jgroups.protocols.TCP tcp = (org.jgroups.protocols.TCP) stack.get(0);
    assertEquals(1 << 20, tcp.getMaxLength());
    GcmSymEncrypt encrypt = stack.stream().filter(p -> p instanceof GcmSymEncrypt)
        .map(p -> (GcmSymEncrypt) p).findFirst().orElseThrow();
    assertEquals("AES/GCM/NoPadding", encrypt.symAlgorithm());
    assertEquals(12, encrypt.simIvLength());
  }
}
