package dev.potluck.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.UFC;
import org.jgroups.stack.Protocol;
import org.junit.jupiter.api.Test;

/** The transport settings that keep a member that stops reading from growing this node's heap. */
class ClusterStackTest {

  @Test
  void stack_sendsWithoutBlocking_behindBoundedQueuesAndCredits() throws Exception {
    List<Protocol> stack = JGroupsCluster.stack(new ClusterSettings("bounds", InetAddress.getLoopbackAddress(), 0,
        List.of(), null));
    TCP tcp = find(stack, TCP.class);
    assertTrue(tcp.nonBlockingSends(), "a full TCP window blocks one connection's thread, not every send");
    assertEquals(JGroupsCluster.MAX_SEND_QUEUE, tcp.maxSendQueue());
    assertEquals(JGroupsCluster.MAX_FRAME_BYTES, tcp.getMaxLength());
    assertEquals(JGroupsCluster.FLOW_CREDITS, find(stack, UFC.class).getMaxCredits());
    assertEquals(JGroupsCluster.FLOW_CREDITS, find(stack, MFC.class).getMaxCredits());
  }

  private static <T extends Protocol> T find(List<Protocol> stack, Class<T> type) {
    return stack.stream().filter(type::isInstance).map(type::cast).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in the stack"));
  }
}
