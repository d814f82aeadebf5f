package dev.potluck.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two members sharing a secret form a group over SYM_ENCRYPT in AES-GCM and carry messages. */
@Timeout(60)
class EncryptedGroupTest {

  @Test
  void sameSecret_membersFormAGroupAndExchangeMessages() throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    int portA = freePort(loopback);
    int portB = freePort(loopback);
    byte[] secret = "correct horse battery staple".getBytes(StandardCharsets.US_ASCII);
    Random random = new Random(3);
    NodeId a = NodeId.random(random);
    NodeId b = NodeId.random(random);
    Recording toA = new Recording(2);
    Recording toB = new Recording(2);
    try (JGroupsCluster ca = JGroupsCluster.join(new ClusterSettings("gcm", loopback, portA,
            List.of(new InetSocketAddress(loopback, portB)), secret), a, toA);
        JGroupsCluster cb = JGroupsCluster.join(new ClusterSettings("gcm", loopback, portB,
            List.of(new InetSocketAddress(loopback, portA)), secret), b, toB)) {
      assertTrue(toA.whole.await(30, TimeUnit.SECONDS), "the two members never saw each other");
      assertTrue(toB.whole.await(30, TimeUnit.SECONDS), "the two members never saw each other");
      Message.Drop sent = new Message.Drop(new dev.potluck.protocol.ObjectKey(dev.potluck.protocol.Sha256.of("k").hex()));
      assertTrue(cb.send(a, sent));
      assertEquals(sent, toA.messages.poll(20, TimeUnit.SECONDS));
    }
  }

  private static final class Recording implements JGroupsCluster.Listener {
    final CountDownLatch whole = new CountDownLatch(1);
    final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    final int size;

    Recording(int size) {
      this.size = size;
    }

    @Override
    public void onView(List<NodeId> members) {
      if (members.size() == size) {
        whole.countDown();
      }
    }

    @Override
    public void onMessage(NodeId from, Message message) {
      messages.add(message);
    }
  }

  private static int freePort(InetAddress bind) throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, bind)) {
      return socket.getLocalPort();
    }
  }
}
