package dev.potluck.node.cluster.mdns;

import dev.potluck.protocol.NodeId;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's presence on the LAN over mDNS: announces its {@link PotluckService} and browses for the
 * same type, keeping the JGroups addresses of peers in the same cluster.
 *
 * <p>It is only a seed list. A node that crashes sends no goodbye and stays listed until its record
 * expires; asking it costs one failed discovery request, and liveness comes from the group's view.
 * A peer is listed once its TXT record is complete and valid (JmDNS can report a service before its
 * TXT arrives), under its node id, so a peer that moves address replaces its old entry.
 *
 * <p>Thread safety: {@link #addresses} and {@link #peers} may be called from any thread; JmDNS calls
 * the listener on its own thread, and resolution requests run on one thread of ours, because they
 * wait up to 200 ms and JmDNS would otherwise hold back every other event meanwhile.
 */
public final class MdnsDirectory implements PeerAddresses, AutoCloseable {

  /** How long {@link #close} waits for the goodbye and JmDNS's shut-down (which take about 2 s). */
  static final long CLOSE_TIMEOUT_MILLIS = 5_000;

  private static final Logger log = LoggerFactory.getLogger(MdnsDirectory.class);

  private final JmDNS jmdns;
  private final PotluckService self;
  private final ServiceInfo announced;
  private final ConcurrentMap<NodeId, InetSocketAddress> peers = new ConcurrentHashMap<>();
  private final ExecutorService resolver = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "potluck-mdns-resolve");
    thread.setDaemon(true);
    return thread;
  });
  private final AtomicReference<CompletableFuture<Void>> closing = new AtomicReference<>();

  private MdnsDirectory(JmDNS jmdns, PotluckService self, ServiceInfo announced) {
    this.jmdns = jmdns;
    this.self = self;
    this.announced = announced;
  }

  /**
   * Starts announcing {@code self} on {@code bind} and browsing for peers.
   *
   * @param bind the node's LAN address (the one JGroups binds), never a wildcard: JmDNS would announce
   *     0.0.0.0
   */
  public static MdnsDirectory start(InetAddress bind, PotluckService self) throws IOException {
    Objects.requireNonNull(self, "self");
    if (bind == null || bind.isAnyLocalAddress()) {
      throw new IllegalArgumentException("mDNS needs a specific address to announce, not " + bind);
    }
    // A host name of our own: without one JmDNS does a slow reverse look-up, and the node id keeps
    // two nodes on one LAN from claiming the same name.
    JmDNS jmdns = JmDNS.create(bind, "potluck-" + self.id().hex());
    ServiceInfo info = ServiceInfo.create(PotluckService.TYPE, self.instanceName(), self.jgroupsPort(), 0, 0,
        self.txt());
    MdnsDirectory directory = new MdnsDirectory(jmdns, self, info);
    try {
      jmdns.addServiceListener(PotluckService.TYPE, directory.new Browser());
      jmdns.registerService(info);
    } catch (IOException | RuntimeException e) {
      directory.close();
      throw e;
    }
    log.info("mDNS: announcing {} on {} (cluster '{}')", self.instanceName(), bind.getHostAddress(), self.cluster());
    return directory;
  }

  /** What this node announces. */
  public PotluckService self() {
    return self;
  }

  @Override
  public Collection<InetSocketAddress> addresses() {
    return List.copyOf(peers.values());
  }

  /** The peers found so far, by node id. */
  public Map<NodeId, InetSocketAddress> peers() {
    return Map.copyOf(peers);
  }

  /**
   * Sends the goodbye and shuts JmDNS down on a thread of its own, since that takes about 2 s; the
   * thread is not a daemon, so the JVM does not exit before the goodbye is out. Idempotent.
   */
  public CompletableFuture<Void> closeAsync() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!closing.compareAndSet(null, done)) {
      return closing.get();
    }
    Thread thread = new Thread(() -> {
      try {
        resolver.shutdownNow();
        jmdns.unregisterService(announced);
        jmdns.close();
        done.complete(null);
      } catch (IOException | RuntimeException e) {
        done.completeExceptionally(e);
      }
    }, "potluck-mdns-close");
    thread.setDaemon(false);
    thread.start();
    return done;
  }

  /** {@link #closeAsync} and waits for it, at most {@value #CLOSE_TIMEOUT_MILLIS} ms. */
  @Override
  public void close() {
    try {
      closeAsync().get(CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      log.warn("mDNS: shut-down still running after {} ms; going on without it", CLOSE_TIMEOUT_MILLIS);
    } catch (java.util.concurrent.ExecutionException e) {
      log.warn("mDNS: shut-down failed: {}", e.getCause().toString());
    }
  }

  /** Takes a resolved record into the directory, or drops it when it is not a usable peer. */
  void accept(String instanceName, Map<String, String> txt, List<Inet4Address> hosts) {
    Optional<PotluckService> parsed = PotluckService.parse(txt);
    if (parsed.isEmpty()) {
      // Often only the first of two reports, before the TXT record has arrived; the second one counts.
      log.debug("mDNS: {} has no complete Potluck TXT record yet: {}", instanceName, txt);
      return;
    }
    PotluckService peer = parsed.get();
    if (!peer.instanceName().equals(instanceName) || !self.isPeer(peer) || hosts.isEmpty()) {
      if (!peer.id().equals(self.id())) {
        log.debug("mDNS: ignoring {} (cluster '{}', addresses {})", instanceName, peer.cluster(), hosts);
      }
      return;
    }
    InetSocketAddress address = new InetSocketAddress(hosts.get(0), peer.jgroupsPort());
    InetSocketAddress before = peers.put(peer.id(), address);
    if (!address.equals(before)) {
      log.info("mDNS: found peer {} at {}", peer.id(), address);
    }
  }

  void forget(String instanceName) {
    try {
      if (peers.remove(NodeId.parse(instanceName)) != null) {
        log.info("mDNS: peer {} left", instanceName);
      }
    } catch (IllegalArgumentException notOurs) {
      // An instance not named by a node id was never listed.
    }
  }

  /** The TXT record as text; values that are absent or not text are left out, so they read as missing. */
  static Map<String, String> txtOf(ServiceInfo info) {
    Map<String, String> txt = new HashMap<>();
    Enumeration<String> names = info.getPropertyNames();
    while (names.hasMoreElements()) {
      String name = names.nextElement();
      String value = info.getPropertyString(name);
      if (value != null) {
        txt.put(name, value);
      }
    }
    return txt;
  }

  /** JmDNS's callbacks, on JmDNS's thread. */
  private final class Browser implements ServiceListener {
    @Override
    public void serviceAdded(ServiceEvent event) {
      String type = event.getType();
      String name = event.getName();
      try {
        resolver.execute(() -> jmdns.requestServiceInfo(type, name, 1));
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // Closing: nothing more to resolve.
      }
    }

    @Override
    public void serviceRemoved(ServiceEvent event) {
      forget(event.getName());
    }

    @Override
    public void serviceResolved(ServiceEvent event) {
      ServiceInfo info = event.getInfo();
      if (info != null) {
        accept(event.getName(), txtOf(info), List.of(info.getInet4Addresses()));
      }
    }
  }
}
