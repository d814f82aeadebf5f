package dev.potluck.node.it;

import ch.qos.logback.classic.Level;
import dev.potluck.node.cluster.ClusterSettings;
import dev.potluck.node.cluster.JGroupsCluster;
import dev.potluck.node.cluster.mdns.MdnsDirectory;
import dev.potluck.node.cluster.mdns.PotluckService;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * A group member that finds its peers by mDNS alone (no seeds), run as its own JVM inside a network
 * namespace by {@link MdnsDiscoveryIT}.
 *
 * <p>Arguments: {@code CLUSTER BIND PORT}. Prints {@code READY <id>} once joined and
 * {@code VIEW <size> <ids>} on every view to stdout; logs (mDNS and membership at debug) go to
 * stderr. Leaves the
 * group and sends its mDNS goodbye on SIGTERM, or when stdin closes so that a dying test takes it
 * along.
 */
public final class MdnsMember {

  private MdnsMember() {}

  public static void main(String[] args) throws Exception {
    String clusterName = args[0];
    InetAddress bind = InetAddress.getByName(args[1]);
    int port = Integer.parseInt(args[2]);
    // What a failed run needs to be understood: what mDNS saw, and why the group merged or split.
    for (String logger : List.of(MdnsDirectory.class.getName(), "org.jgroups.protocols.pbcast.GMS",
        "org.jgroups.protocols.MERGE3", "org.jgroups.protocols.FD_SOCK2", "org.jgroups.protocols.FD_ALL3",
        "org.jgroups.protocols.VERIFY_SUSPECT2")) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(logger)).setLevel(Level.DEBUG);
    }

    NodeId id = NodeId.random(new SecureRandom());
    MdnsDirectory directory = MdnsDirectory.start(bind, new PotluckService(id, clusterName, 7879, port));
    JGroupsCluster cluster = JGroupsCluster.join(
        new ClusterSettings(clusterName, bind, port, List.of(), null).withDiscovered(directory), id,
        new JGroupsCluster.Listener() {
          @Override
          public void onView(List<NodeId> members) {
            say("VIEW " + members.size() + " " + members.stream().map(NodeId::hex).sorted().toList());
          }

          @Override
          public void onMessage(NodeId from, Message message) {}
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // The goodbye and the leave overlap; each takes a while on its own.
      CompletableFuture<Void> goodbye = directory.closeAsync();
      cluster.close();
      try {
        goodbye.get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("mDNS goodbye unfinished: " + e);
      }
    }, "mdns-member-stop"));
    say("READY " + id.hex());
    while (System.in.read() != -1) {
      // Only the end of input matters.
    }
    System.exit(0);
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
