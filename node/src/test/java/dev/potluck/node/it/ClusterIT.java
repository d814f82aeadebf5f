package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.cluster.ClusterSettings;
import dev.potluck.node.cluster.JGroupsCluster;
import dev.potluck.node.cluster.mdns.PeerAddresses;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real JGroups channels on loopback TCP: membership, messages, and who is kept out. */
class ClusterIT {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final Message HAVE = new Message.Have(new ObjectKey(Sha256.of("k").hex()), 42, Sha256.of("body"));

  private final List<AutoCloseable> open = new ArrayList<>();
  private final Random random = new Random(11);

  /** Records what one node heard. */
  static final class Recorder implements JGroupsCluster.Listener {
    final List<List<NodeId>> views = new CopyOnWriteArrayList<>();
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<NodeId> senders = new CopyOnWriteArrayList<>();

    @Override
    public void onView(List<NodeId> members) {
      views.add(members);
    }

    @Override
    public void onMessage(NodeId from, Message message) {
      senders.add(from);
      messages.add(message);
    }

    int viewSize() {
      return views.isEmpty() ? 0 : views.get(views.size() - 1).size();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private JGroupsCluster node(String cluster, int port, List<Integer> seedPorts, byte[] secret, Recorder recorder)
      throws Exception {
    List<InetSocketAddress> seeds = new ArrayList<>();
    for (int p : seedPorts) {
      seeds.add(new InetSocketAddress(LOOPBACK, p));
    }
    JGroupsCluster node = JGroupsCluster.join(new ClusterSettings(cluster, LOOPBACK, port, seeds, secret),
        NodeId.random(random), recorder);
    open.add(node);
    return node;
  }

  private static List<Integer> ports(int n) throws Exception {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ports.add(NodeProcess.freePort());
    }
    return ports;
  }

  @Test
  void threeSeededNodes_formOneViewAndExchangeMessages() throws Exception {
    List<Integer> ports = ports(3);
    Recorder[] heard = {new Recorder(), new Recorder(), new Recorder()};
    List<JGroupsCluster> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(node("office", ports.get(i), ports, null, heard[i]));
    }
    await(() -> heard[0].viewSize() == 3 && heard[1].viewSize() == 3 && heard[2].viewSize() == 3, "one view of 3");
    assertEquals(new java.util.HashSet<>(nodes.get(0).members()), new java.util.HashSet<>(nodes.get(2).members()));

    assertTrue(nodes.get(0).send(nodes.get(1).self(), HAVE));
    await(() -> heard[1].messages.contains(HAVE), "the unicast arrives");
    assertEquals(List.of(nodes.get(0).self()), heard[1].senders);
    assertTrue(heard[2].messages.isEmpty(), "a unicast reaches only its target");

    Message load = new Message.Load(1, 2, 3, 4, 7879, "test");
    nodes.get(2).broadcast(load);
    await(() -> heard[0].messages.contains(load) && heard[1].messages.contains(load), "the broadcast arrives");
    assertTrue(!heard[2].messages.contains(load), "a node does not hear its own broadcast");

    nodes.get(2).close();
    open.remove(nodes.get(2));
    await(() -> heard[0].viewSize() == 2 && heard[1].viewSize() == 2, "the view shrinks when a member leaves");
  }

  @Test
  void discovered_seedlessNodesMergeOnceTheirAddressesAppear() throws Exception {
    List<Integer> ports = ports(3);
    // Stands in for the mDNS directory: empty at start-up, as mDNS is before its first answers.
    List<InetSocketAddress> found = new CopyOnWriteArrayList<>();
    PeerAddresses discovered = () -> List.copyOf(found);
    Recorder[] heard = {new Recorder(), new Recorder(), new Recorder()};
    for (int i = 0; i < 2; i++) {
      JGroupsCluster node = JGroupsCluster.join(new ClusterSettings("office", LOOPBACK, ports.get(i), List.of(), null)
          .withDiscovered(discovered), NodeId.random(random), heard[i]);
      open.add(node);
    }
    await(() -> heard[0].viewSize() == 1 && heard[1].viewSize() == 1, "two singletons");
    for (int port : ports) {
      found.add(new InetSocketAddress(LOOPBACK, port));
    }
    await(() -> heard[0].viewSize() == 2 && heard[1].viewSize() == 2, "a merge round finds the late addresses");
    open.add(JGroupsCluster.join(new ClusterSettings("office", LOOPBACK, ports.get(2), List.of(), null)
        .withDiscovered(discovered), NodeId.random(random), heard[2]));
    await(() -> heard[0].viewSize() == 3 && heard[1].viewSize() == 3 && heard[2].viewSize() == 3,
        "a newcomer joins through the discovered addresses");
  }

  @Test
  void otherClusterName_staysOut() throws Exception {
    List<Integer> ports = ports(2);
    Recorder office = new Recorder();
    Recorder lab = new Recorder();
    node("office", ports.get(0), ports, null, office);
    node("lab", ports.get(1), ports, null, lab);
    // Long enough for discovery and two merge rounds (MERGE3 runs every 2-6 s).
    Thread.sleep(8_000);
    assertEquals(1, office.viewSize());
    assertEquals(1, lab.viewSize());
  }

  @Test
  void secret_sameSecretJoinsOtherSecretStaysOut() throws Exception {
    byte[] secret = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    byte[] other = "a different secret, same length".getBytes(StandardCharsets.UTF_8);
    List<Integer> ports = ports(3);
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    Recorder stranger = new Recorder();
    node("office", ports.get(0), ports, secret, a);
    node("office", ports.get(1), ports, secret, b);
    await(() -> a.viewSize() == 2 && b.viewSize() == 2, "two nodes with one secret form a view");
    node("office", ports.get(2), ports, other, stranger);
    Thread.sleep(8_000);
    assertEquals(2, a.viewSize(), "a node with another secret must not join");
    assertEquals(1, stranger.viewSize());
  }

  @Test
  void garbageFrame_droppedAndTheClusterGoesOn() throws Exception {
    List<Integer> ports = ports(2);
    Recorder heard = new Recorder();
    JGroupsCluster node = node("office", ports.get(0), ports, null, heard);
    // A member that speaks JGroups but sends bytes that are not a Potluck message.
    ClusterSettings settings = new ClusterSettings("office", LOOPBACK, ports.get(1), List.of(
        new InetSocketAddress(LOOPBACK, ports.get(0))), null);
    JChannel rogue = new JChannel(dev.potluck.node.cluster.RogueStack.of(settings));
    open.add(rogue);
    rogue.name(NodeId.random(random).hex());
    rogue.connect("office");
    await(() -> heard.viewSize() == 2, "the rogue member joins the view");
    rogue.send(new BytesMessage(null, "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    rogue.send(new BytesMessage(null, org.jgroups.util.Util.objectToByteBuffer("x")));
    byte[] valid = dev.potluck.protocol.codec.MessageCodec.encode(HAVE);
    rogue.send(new BytesMessage(null, valid));
    await(() -> heard.messages.contains(HAVE), "a valid message after the garbage still arrives");
    assertEquals(1, heard.messages.size(), "the garbage frames were dropped");
    assertEquals(2, node.members().size());
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(20);
    }
  }
}
