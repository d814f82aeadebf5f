package dev.potluck.node.cluster;

import dev.potluck.node.cluster.mdns.MdnsPing;
import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.codec.MalformedMessageException;
import dev.potluck.protocol.codec.MessageCodec;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.stack.IpAddress;
import org.jgroups.JChannel;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.NameCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's membership in its group: a JGroups channel over TCP, named by the node's stable
 * {@link NodeId}, carrying {@link Message}s in their {@link MessageCodec} form.
 *
 * <p>Views are reported as node ids (members whose id is not yet known are left out until it is).
 * A node id is bound to the group address that held it first ({@link #bind}): a later member claiming
 * an id already held is left out of the view this node reports, and its messages are dropped.
 * Frames that do not decode are logged and dropped, and the transport refuses frames larger than
 * {@link #MAX_FRAME_BYTES} before allocating for them: a bad peer or a stranger can never crash the node
 * or grow its heap. Callbacks run
 * on JGroups' threads; {@link #send} may block briefly under flow control, so callers on an event loop
 * hand it to a worker.
 */
public final class JGroupsCluster implements AutoCloseable {

  /** Where membership changes and messages go. */
  public interface Listener {
    void onView(List<NodeId> members);

    void onMessage(NodeId from, Message message);
  }

  private static final Logger log = LoggerFactory.getLogger(JGroupsCluster.class);

  /** The key under which a member's address carries its node id. */
  private static final String NODE_ID_KEY = "potluck-id";

  /**
   * The largest frame the group transport accepts. JGroups allocates a frame's declared length before
   * reading it; above FRAG4 every Potluck message is cut into fragments of at most 60,000 bytes, and the
   * transport bundles messages into frames of about 64 KB, so 1 MiB leaves room for JGroups' own
   * unfragmented messages (views and digests of a large group) and refuses a stranger's huge declaration.
   */
  static final int MAX_FRAME_BYTES = 1 << 20;

  /** Messages queued for one member's connection, at most; more are dropped and retransmitted later. */
  static final int MAX_SEND_QUEUE = 256;

  /** Flow control credits per member (bytes in flight, unacknowledged), for unicasts and multicasts. */
  static final long FLOW_CREDITS = 2L << 20;

  private final JChannel channel;
  private final NodeId self;
  private final Object lock = new Object();
  /** Guarded by {@link #lock}. */
  private Map<NodeId, Address> addresses = Map.of();
  /** Addresses refused for claiming an id another member holds, each logged once. Guarded by {@link #lock}. */
  private final Set<Address> refused = new HashSet<>();

  private JGroupsCluster(JChannel channel, NodeId self) {
    this.channel = channel;
    this.self = self;
  }

  /** Builds the stack, joins {@code settings.clusterName()} and returns once this node is in a view. */
  public static JGroupsCluster join(ClusterSettings settings, NodeId self, Listener listener) throws Exception {
    if (settings.secret() == null) {
      log.warn("cluster '{}' is open (no --secret-file): any host on the LAN that reaches {} can join the group"
          + " and take part in scheduling, and group traffic is not encrypted. Files taken from other nodes are"
          + " still verified against repository signatures or their hash names before use, and files with"
          + " neither are always fetched from upstream. To keep strangers out (and share those files too), set"
          + " --secret-file to a file of at least 16 bytes, the same on every node.",
          settings.clusterName(), settings.bind().getHostAddress());
    }
    JChannel channel = new JChannel(stack(settings));
    channel.name(self.hex());
    // The node id travels inside the group address itself, so every member knows every other's id
    // from the view alone (JGroups' name cache can lag a view, which left members out of it).
    channel.addAddressGenerator(() -> addressOf(self));
    JGroupsCluster cluster = new JGroupsCluster(channel, self);
    channel.setReceiver(new Receiver() {
      @Override
      public void receive(org.jgroups.Message message) {
        cluster.deliver(message, listener);
      }

      @Override
      public void viewAccepted(View view) {
        Map<NodeId, Address> before = cluster.bound();
        List<NodeId> members = cluster.remember(view);
        Set<NodeId> restarted = rebound(before, cluster.bound());
        if (!restarted.isEmpty()) {
          // A member that restarted under its id (its old address left as its new one came) left and
          // came back: the listener sees it go, so that it is told again what a newcomer is told.
          List<NodeId> without = new ArrayList<>(members);
          without.removeAll(restarted);
          listener.onView(List.copyOf(without));
        }
        listener.onView(members);
      }
    });
    try {
      channel.connect(settings.clusterName());
    } catch (Exception e) {
      channel.close();
      throw new IllegalStateException("cannot join cluster '" + settings.clusterName() + "' on "
          + settings.bind().getHostAddress() + ":" + settings.port() + ": " + e.getMessage(), e);
    }
    return cluster;
  }

  /**
   * The stack that behaved well in trials: TCP, seeded discovery (plus mDNS-fed discovery when on),
   * merge, two failure detectors.
   */
  static List<Protocol> stack(ClusterSettings settings) throws Exception {
    TCP tcp = new TCP();
    tcp.setBindAddress(settings.bind());
    // JGroups refuses port 0 with static discovery, so "any free port" is chosen here.
    tcp.setBindPort(settings.port() == 0 ? freePort(settings.bind()) : settings.port());
    tcp.setPortRange(0);
    tcp.setMaxLength(MAX_FRAME_BYTES);
    // A member that stops reading must not stall the others or grow this heap: each connection gets a
    // queue of its own and one sender thread, so a full TCP window blocks that thread only, and
    // messages beyond the queue are dropped (UNICAST3 and NAKACK2 send them again once it reads).
    tcp.nonBlockingSends(true).maxSendQueue(MAX_SEND_QUEUE);
    List<Protocol> protocols = new ArrayList<>();
    protocols.add(tcp);
    protocols.add(new TCPPING().initialHosts(settings.seeds()).setPortRange(0));
    if (settings.discovered() != null) {
      // The topmost discovery protocol asks every one below it too, so seeds and mDNS peers both count.
      protocols.add(new MdnsPing(settings.discovered()));
    }
    protocols.add(new MERGE3().setMinInterval(2_000).setMaxInterval(6_000));
    // Bound like the transport: on the wildcard, nodes that share a port (one per host, as deployed)
    // all name their FD_SOCK2 end 0.0.0.0:port+100, their connections collide, and healthy members
    // are suspected over and over after every merge.
    protocols.add(new FD_SOCK2().setBindAddress(settings.bind()));
    protocols.add(new FD_ALL3().setTimeout(5_000).setInterval(1_000));
    protocols.add(new VERIFY_SUSPECT2().setTimeout(1_000));
    if (settings.secret() != null) {
      // Authenticated (AES-GCM, a fresh random IV per message): JGroups' default for "AES" is ECB, which
      // shows equal blocks and lets anyone flip ciphertext undetected.
      protocols.add(new GcmSymEncrypt(new SecretKeySpec(deriveKey(settings.secret()), "AES")));
    }
    protocols.add(new NAKACK2().useMcastXmit(false));
    protocols.add(new UNICAST3());
    protocols.add(new STABLE());
    protocols.add(new GMS().setJoinTimeout(1_000));
    // Bytes sent to a member and not yet acknowledged by it, at most: what a member that stopped reading
    // can hold in this node's retransmission tables before sends to it wait (in the node's bounded send
    // queue) until it reads again or leaves the view.
    protocols.add(new UFC().setMaxCredits(FLOW_CREDITS));
    protocols.add(new MFC().setMaxCredits(FLOW_CREDITS));
    protocols.add(new FRAG4());
    return protocols;
  }

  private static int freePort(InetAddress bind) throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, bind)) {
      return socket.getLocalPort();
    }
  }

  /** A 128-bit AES key from the secret, bound to this use so the secret itself never goes on the wire. */
  static byte[] deriveKey(byte[] secret) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("potluck cluster key v1\0".getBytes(StandardCharsets.US_ASCII));
      sha.update(secret);
      byte[] key = new byte[16];
      System.arraycopy(sha.digest(), 0, key, 0, key.length);
      return key;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  public NodeId self() {
    return self;
  }

  /** The current members, this node included, by node id. */
  public List<NodeId> members() {
    synchronized (lock) {
      return List.copyOf(addresses.keySet());
    }
  }

  /** The IP address a member's group transport uses (where its peer API listens too), or null. */
  public InetAddress hostOf(NodeId member) {
    Address address;
    synchronized (lock) {
      address = addresses.get(member);
    }
    if (address == null) {
      return null;
    }
    Object physical = channel.down(new Event(Event.GET_PHYSICAL_ADDRESS, address));
    return physical instanceof IpAddress ip ? ip.getIpAddress() : null;
  }

  /** The TCP port this node's group transport listens on (resolved when 0 was asked for). */
  public int localPort() {
    Object physical = channel.down(new Event(Event.GET_PHYSICAL_ADDRESS, channel.getAddress()));
    return physical instanceof IpAddress ip ? ip.getPort() : -1;
  }

  /** Sends {@code message} to one member; false when that member is not in the view. */
  public boolean send(NodeId to, Message message) throws Exception {
    Address address;
    synchronized (lock) {
      address = addresses.get(to);
    }
    if (address == null) {
      return false;
    }
    channel.send(new BytesMessage(address, MessageCodec.encode(message)));
    return true;
  }

  /** Sends {@code message} to every member but this node. */
  public void broadcast(Message message) throws Exception {
    // A multicast over TCP reaches every member; this node drops its own copy on delivery.
    channel.send(new BytesMessage(null, MessageCodec.encode(message)));
  }

  @Override
  public void close() {
    channel.close();
  }

  private List<NodeId> remember(View view) {
    Map<NodeId, Address> known;
    List<Address> newlyRefused = new ArrayList<>();
    synchronized (lock) {
      Binding binding = bind(view.getMembers(), addresses, self, channel.getAddress());
      known = binding.addresses();
      addresses = known;
      refused.retainAll(view.getMembers());
      for (Address address : binding.refused()) {
        if (refused.add(address)) {
          newlyRefused.add(address);
        }
      }
    }
    for (Address address : newlyRefused) {
      log.warn("member {} claims node id {}, which {} already holds: left out of the view, its messages dropped",
          address, idOf(address), known.get(idOf(address)));
    }
    log.info("cluster view {}: {} member(s)", view.getViewId(), known.size());
    return List.copyOf(known.keySet());
  }

  private Map<NodeId, Address> bound() {
    synchronized (lock) {
      return addresses;
    }
  }

  /** The ids bound in both {@code before} and {@code after}, to different addresses: members that restarted. */
  static Set<NodeId> rebound(Map<NodeId, Address> before, Map<NodeId, Address> after) {
    Set<NodeId> ids = new LinkedHashSet<>();
    after.forEach((id, address) -> {
      Address old = before.get(id);
      if (old != null && !old.equals(address)) {
        ids.add(id);
      }
    });
    return ids;
  }

  /** A new group address (one per start) carrying {@code id}. */
  static ExtendedUUID addressOf(NodeId id) {
    return ExtendedUUID.randomUUID(id.hex()).put(NODE_ID_KEY, id.hex().getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Whether a message from {@code source}, which claims {@code id}, speaks for that id: false when another
   * address holds it. A sender not yet in the view is let through: the scheduler holds its claims until a
   * view says whether it is a member.
   */
  static boolean speaksFor(Map<NodeId, Address> bound, NodeId id, Address source) {
    Address holder = bound.get(id);
    return holder == null || holder.equals(source);
  }

  /** Which address holds each node id, and the addresses refused for claiming an id already held. */
  record Binding(Map<NodeId, Address> addresses, List<Address> refused) {}

  /**
   * Binds each node id in {@code members} to one address: the one that held it in {@code previous} if it is
   * still a member (this node's own id always to {@code selfAddress}), else the first in the view's order,
   * which JGroups keeps oldest first. Every other address claiming a bound id is refused. Members whose id
   * is not known yet are left out, not refused.
   */
  static Binding bind(List<Address> members, Map<NodeId, Address> previous, NodeId self, Address selfAddress) {
    Map<NodeId, Address> bound = new LinkedHashMap<>();
    Set<Address> present = new HashSet<>(members);
    if (selfAddress != null && present.contains(selfAddress)) {
      bound.put(self, selfAddress);
    }
    previous.forEach((id, address) -> {
      if (present.contains(address) && id.equals(idOf(address))) {
        bound.putIfAbsent(id, address);
      }
    });
    List<Address> refusedHere = new ArrayList<>();
    for (Address member : members) {
      NodeId id = idOf(member);
      if (id == null) {
        continue;
      }
      Address holder = bound.putIfAbsent(id, member);
      if (holder != null && !holder.equals(member)) {
        refusedHere.add(member);
      }
    }
    return new Binding(Map.copyOf(bound), List.copyOf(refusedHere));
  }

  private void deliver(org.jgroups.Message message, Listener listener) {
    NodeId from = idOf(message.getSrc());
    if (from == null || from.equals(self)) {
      return;
    }
    Map<NodeId, Address> bound;
    synchronized (lock) {
      bound = addresses;
    }
    if (!speaksFor(bound, from, message.getSrc())) {
      return; // an address whose id another member holds speaks for nobody
    }
    Message decoded;
    try {
      decoded = MessageCodec.decode(message.getArray(), message.getOffset(), message.getLength());
    } catch (MalformedMessageException e) {
      log.warn("dropped a malformed message from {}: {}", from, e.getMessage());
      return;
    }
    listener.onMessage(from, decoded);
  }

  static NodeId idOf(Address address) {
    if (address instanceof ExtendedUUID extended && extended.keyExists(NODE_ID_KEY)) {
      try {
        return NodeId.parse(new String(extended.get(NODE_ID_KEY), StandardCharsets.US_ASCII));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    String name = address == null ? null : NameCache.get(address);
    if (name == null) {
      return null;
    }
    try {
      return NodeId.parse(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
