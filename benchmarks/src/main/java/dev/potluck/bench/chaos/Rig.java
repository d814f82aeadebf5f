package dev.potluck.bench.chaos;

import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.lan.Lan;
import dev.potluck.bench.lan.Namespace;
import dev.potluck.bench.lan.PackageSet;
import dev.potluck.bench.lan.PotluckSystem;
import dev.potluck.bench.lan.Upstream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;

/**
 * What a {@link Fault} can see and touch during one herd: the LAN, the upstream, every host's node and
 * the packages the hosts want. Also what the fault noted, for the results.
 */
public final class Rig {

  /** How often a fault looks for its moment. */
  static final Duration POLL = Duration.ofMillis(50);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  private final Cleanup cleanup;
  private final Lan lan;
  private final Upstream upstream;
  private final PotluckSystem nodes;
  private final PackageSet packages;
  private final Duration upstreamTimeout;
  private final long upstreamLogOffset;
  private final List<Integer> killed = new ArrayList<>();
  private final Map<String, Object> notes = new LinkedHashMap<>();
  private final long started = System.nanoTime();
  private final ExecutorService pollers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "chaos-poll");
    t.setDaemon(true);
    return t;
  });

  /** One host's view of one file: complete or still arriving, and how much of it it has. */
  public record Copy(int host, String url, boolean complete, long size, long received, String sha256, String arbiter) {
    double share() {
      return size > 0 ? (double) received / size : 0;
    }
  }

  public Rig(Cleanup cleanup, Lan lan, Upstream upstream, PotluckSystem nodes, PackageSet packages, Duration upstreamTimeout) {
    this.cleanup = cleanup;
    this.lan = lan;
    this.upstream = upstream;
    this.nodes = nodes;
    this.packages = packages;
    this.upstreamTimeout = upstreamTimeout;
    try {
      this.upstreamLogOffset = upstream.logOffset();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** What the upstream's access log says was asked of it since this rig was made. */
  public List<Upstream.Entry> upstreamEntries() throws IOException {
    return upstream.entriesSince(upstreamLogOffset);
  }

  public Cleanup cleanup() {
    return cleanup;
  }

  public Lan lan() {
    return lan;
  }

  public Upstream upstream() {
    return upstream;
  }

  public PotluckSystem nodes() {
    return nodes;
  }

  public PackageSet packages() {
    return packages;
  }

  /** The nodes' {@code --upstream-timeout}. */
  public Duration upstreamTimeout() {
    return upstreamTimeout;
  }

  public int hostCount() {
    return lan.hosts().size();
  }

  public Namespace host(int host) {
    return lan.hosts().get(host - 1);
  }

  /** The largest package: the one whose fetch lasts longest, so a fault can land in the middle of it. */
  public PackageSet.Package largest() {
    return packages.packages().stream().max(Comparator.comparingLong(PackageSet.Package::size)).orElseThrow();
  }

  /** Records something the fault saw or did, with the seconds since the herd's rig was made. */
  public synchronized void note(String key, Object value) {
    notes.put(key, value);
  }

  public synchronized Map<String, Object> notes() {
    return new LinkedHashMap<>(notes);
  }

  /** Seconds since this rig was made (just before the clients were released). */
  public double seconds() {
    return Math.round((System.nanoTime() - started) / 1e7) / 100.0;
  }

  /** Hosts whose node was killed (and maybe started again) by the fault. */
  public synchronized List<Integer> killed() {
    return List.copyOf(killed);
  }

  /** SIGKILL to host {@code host}'s node. */
  public void kill(int host) throws InterruptedException {
    synchronized (this) {
      killed.add(host);
    }
    nodes.kill(host);
  }

  /**
   * Every live host's copies of {@code pkg}, complete or arriving. The hosts are asked at once, so that
   * a fault waiting for a share of a file lands close to it.
   */
  public List<Copy> copies(PackageSet.Package pkg) throws IOException, InterruptedException {
    List<CompletableFuture<List<Map<String, Object>>>> asked = new ArrayList<>();
    for (int h = 1; h <= hostCount(); h++) {
      int host = h;
      asked.add(!nodes.node(h).isAlive() ? CompletableFuture.completedFuture(List.of())
          : CompletableFuture.supplyAsync(() -> {
            try {
              return nodes.objectsOf(host);
            } catch (IOException e) {
              return List.of();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return List.of();
            }
          }, pollers));
    }
    List<Copy> copies = new ArrayList<>();
    for (int h = 1; h <= hostCount(); h++) {
      for (Map<String, Object> o : asked.get(h - 1).join()) {
        String url = String.valueOf(o.get("url"));
        if (url.endsWith("/" + pkg.path())) {
          copies.add(new Copy(h, url, Boolean.TRUE.equals(o.get("complete")), number(o.get("size")),
              number(o.get("received")), o.get("sha256") instanceof String s ? s : null,
              o.get("arbiter") instanceof String a ? a : null));
        }
      }
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    return copies;
  }

  /**
   * Waits until some host has at least {@code share} of {@code pkg} (complete or arriving) and returns
   * the copies seen then, or fails after {@code timeout}.
   */
  public List<Copy> awaitShare(PackageSet.Package pkg, double share, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Copy> copies = copies(pkg);
      if (copies.stream().anyMatch(c -> c.complete() || c.share() >= share)) {
        return copies;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("no host had " + Math.round(share * 100) + " % of " + pkg.path() + " within " + timeout);
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** Whether host {@code host} has a TCP connection to the upstream's port 80 open now. */
  public boolean talksToUpstream(int host) throws IOException, InterruptedException {
    Namespace.Result r = host(host).run(cleanup, COMMAND_TIMEOUT, "ss", "-Htn", "state", "established",
        "dst", lan.upstreamAddress() + ":80");
    return r.ok() && !r.output().isBlank();
  }

  /** Host {@code host}'s node id, as its status says, or null when it does not answer. */
  public String nodeId(int host) throws IOException, InterruptedException {
    Map<String, Object> status = nodes.statusOf(host);
    return status == null || !(status.get("nodeId") instanceof String id) ? null : id;
  }

  /** How many members host {@code host}'s node lists in its view, or -1 when it does not answer. */
  public int members(int host) throws IOException, InterruptedException {
    Map<String, Object> status = nodes.statusOf(host);
    if (status == null || !(status.get("cluster") instanceof Map<?, ?> cluster)
        || !(cluster.get("members") instanceof List<?> members)) {
      return -1;
    }
    return members.size();
  }

  /** Runs {@code command} in {@code box}, failing with its output when it fails. */
  public String must(Namespace box, String... command) throws IOException, InterruptedException {
    return box.must(cleanup, COMMAND_TIMEOUT, command);
  }

  private static long number(Object o) {
    return o instanceof Number n ? n.longValue() : -1;
  }
}
