package dev.potluck.node.cluster.mdns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jgroups.PhysicalAddress;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.Test;

class MdnsPingTest {

  private static final InetAddress A = address(10, 204, 0, 1);
  private static final InetAddress B = address(10, 204, 0, 2);

  private static InetAddress address(int... bytes) {
    try {
      byte[] raw = new byte[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        raw[i] = (byte) bytes[i];
      }
      return InetAddress.getByAddress(raw);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void targets_everyPeerOnceWithoutSelf() {
    PhysicalAddress self = new IpAddress(A, 7800);
    Set<PhysicalAddress> targets = MdnsPing.targets(Arrays.asList(
        new InetSocketAddress(A, 7800), new InetSocketAddress(B, 7800), new InetSocketAddress(B, 7800),
        new InetSocketAddress(A, 7801), null), self);
    assertEquals(Set.of(new IpAddress(B, 7800), new IpAddress(A, 7801)), targets);
  }

  @Test
  void targets_skipsUnresolvedNames() {
    assertEquals(Set.of(), MdnsPing.targets(List.of(InetSocketAddress.createUnresolved("nowhere.invalid", 7800)),
        new IpAddress(A, 7800)));
  }

  @Test
  void registered_underItsCustomId() {
    MdnsPing ping = new MdnsPing(List::of);
    assertTrue(ping.isDynamic());
    assertTrue(MdnsPing.ID >= 512, "JGroups reserves ids below 512");
    assertEquals(MdnsPing.ID, ClassConfigurator.getProtocolId(MdnsPing.class));
  }
}
