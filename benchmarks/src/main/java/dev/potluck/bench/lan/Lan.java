package dev.potluck.bench.lan;

import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.harness.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A shaped LAN of network namespaces on one Ethernet segment, with an upstream box behind a WAN link.
 *
 * <pre>
 *   upstream 10.205.0.254 ──e0══[WAN shaper both ways]══wan┐
 *   host 1   10.205.0.1   ──e0══[LAN shaper both ways]══h1─┤ br0 (in namespace "hub")
 *   ...                                                    │
 *   host N   10.205.0.N   ──e0══[LAN shaper both ways]══hN─┘
 * </pre>
 *
 * <p>Each box is a namespace whose {@code e0} is a veth; the other end is a port of a bridge that lives
 * in a namespace of its own, so the benchmark's namespace gets neither a bridge nor an address, and no
 * namespace has a default route: nothing can leave the machine. Hosts route multicast (224.0.0.0/4)
 * out of {@code e0}, so mDNS works; the bridge floods it ({@code mcast_snooping 0}).
 *
 * <p>Shaping is egress shaping on both ends of each veth, so each direction is paced where it leaves:
 * an HTB class at the rate (ceil = rate) on the box's {@code e0} shapes what the box sends, and one on
 * its bridge port shapes what the box receives. The WAN link is the upstream's veth: every host's
 * download from upstream shares its one rate. A WAN delay, when the kernel has netem, is a netem qdisc
 * under each WAN class (each direction, so the round trip gains twice the delay). HTB counts whole
 * Ethernet frames, so an HTTP body moves at about 0.95 of the configured rate.
 *
 * <p>Namespaces are named {@code lb<pid>...} after the benchmark's PID; interfaces live inside them,
 * so nothing collides with the integration tests ({@code pl<pid>...}, 10.204.0.0/24) or another run.
 */
public final class Lan implements AutoCloseable {

  /** The first three octets of every address on the segment. */
  public static final String SUBNET = "10.205.0";
  public static final int UPSTREAM_OCTET = 254;

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern OWN_NAMESPACE = Pattern.compile("lb(\\d+)(hub|wan|h\\d+)");

  /** Link rates and the WAN delay; {@code wanDelayMs} is what was applied (0 without netem). */
  public record Shaping(double wanMbit, double lanMbit, int wanDelayMs) {}

  private final Cleanup cleanup;
  private final String prefix;
  private final Namespace hub;
  private final List<Namespace> created = new ArrayList<>();
  private final List<Namespace> hosts = new ArrayList<>();
  private final Runnable teardown = this::teardown;
  private Namespace upstream;
  private Shaping shaping;

  private Lan(Cleanup cleanup) {
    this.cleanup = cleanup;
    this.prefix = "lb" + ProcessHandle.current().pid();
    this.hub = new Namespace(prefix + "hub");
  }

  /**
   * Builds the segment: the hub, the upstream box and {@code hostCount} hosts, each link shaped.
   *
   * @param wanDelayMs one-way delay added to each WAN direction; dropped (with {@link Shaping#wanDelayMs}
   *     0) if the kernel has no netem
   */
  public static Lan create(Cleanup cleanup, int hostCount, double wanMbit, double lanMbit, int wanDelayMs)
      throws IOException, InterruptedException {
    if (hostCount < 1 || hostCount > 200) {
      throw new IllegalArgumentException("1-200 hosts on one segment, not " + hostCount);
    }
    Lan lan = new Lan(cleanup);
    cleanup.register(lan.teardown);
    try {
      lan.build(hostCount, wanMbit, lanMbit, wanDelayMs);
    } catch (IOException | InterruptedException | RuntimeException e) {
      lan.close();
      throw e;
    }
    return lan;
  }

  private void build(int hostCount, double wanMbit, double lanMbit, int wanDelayMs) throws IOException, InterruptedException {
    add(hub);
    hub.must(cleanup, COMMAND_TIMEOUT, "ip", "link", "add", "name", "br0", "type", "bridge", "mcast_snooping", "0");
    hub.must(cleanup, COMMAND_TIMEOUT, "ip", "link", "set", "dev", "br0", "up");
    int delay = wanDelayMs > 0 && netemAvailable() ? wanDelayMs : 0;
    upstream = attach("wan", UPSTREAM_OCTET, false);
    shape(upstream, "e0", wanMbit, delay);
    shape(hub, "wan", wanMbit, delay);
    for (int i = 1; i <= hostCount; i++) {
      Namespace host = attach("h" + i, i, true);
      shape(host, "e0", lanMbit, 0);
      shape(hub, "h" + i, lanMbit, 0);
      hosts.add(host);
    }
    shaping = new Shaping(wanMbit, lanMbit, delay);
  }

  private Namespace attach(String port, int octet, boolean multicast) throws IOException, InterruptedException {
    Namespace ns = new Namespace(prefix + port);
    add(ns);
    hub.must(cleanup, COMMAND_TIMEOUT, "ip", "link", "add", "name", port, "type", "veth", "peer", "name", "e0", "netns", ns.name());
    hub.must(cleanup, COMMAND_TIMEOUT, "ip", "link", "set", "dev", port, "master", "br0");
    hub.must(cleanup, COMMAND_TIMEOUT, "ip", "link", "set", "dev", port, "up");
    ns.must(cleanup, COMMAND_TIMEOUT, "ip", "addr", "add", address(octet) + "/24", "dev", "e0");
    ns.must(cleanup, COMMAND_TIMEOUT, "ip", "link", "set", "dev", "e0", "multicast", multicast ? "on" : "off");
    ns.must(cleanup, COMMAND_TIMEOUT, "ip", "link", "set", "dev", "e0", "up");
    if (multicast) {
      ns.must(cleanup, COMMAND_TIMEOUT, "ip", "route", "add", "224.0.0.0/4", "dev", "e0");
    }
    return ns;
  }

  public static String address(int octet) {
    return SUBNET + "." + octet;
  }

  public Namespace upstream() {
    return upstream;
  }

  public String upstreamAddress() {
    return address(UPSTREAM_OCTET);
  }

  /** The hosts, host i (from 1, at {@code SUBNET.i}) at index i - 1. */
  public List<Namespace> hosts() {
    return List.copyOf(hosts);
  }

  public Shaping shaping() {
    return shaping;
  }

  /** Bytes the upstream box has sent onto the WAN link (its {@code e0} counter, Ethernet frames). */
  public long upstreamTxBytes() throws IOException, InterruptedException {
    return txBytes(upstream);
  }

  /** Bytes {@code box} has sent from its {@code e0} (Ethernet frames, headers and ACKs included). */
  public long txBytes(Namespace box) throws IOException, InterruptedException {
    String json = box.must(cleanup, COMMAND_TIMEOUT, "ip", "-s", "-j", "link", "show", "dev", "e0");
    Object parsed = Json.parse(json);
    if (parsed instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?> link
        && link.get("stats64") instanceof Map<?, ?> stats && stats.get("tx") instanceof Map<?, ?> tx
        && tx.get("bytes") instanceof Number bytes) {
      return bytes.longValue();
    }
    throw new IOException("no tx byte counter in: " + json);
  }

  private void add(Namespace ns) throws IOException, InterruptedException {
    Namespace.mustRoot(cleanup, COMMAND_TIMEOUT, "ip", "netns", "add", ns.name());
    created.add(ns);
    ns.must(cleanup, COMMAND_TIMEOUT, "ip", "link", "set", "dev", "lo", "up");
  }

  private void shape(Namespace ns, String dev, double mbit, int delayMs) throws IOException, InterruptedException {
    String rate = String.format(Locale.ROOT, "%.3fmbit", mbit);
    ns.must(cleanup, COMMAND_TIMEOUT, "tc", "qdisc", "replace", "dev", dev, "root", "handle", "1:", "htb", "default", "1");
    // One class: the quantum only splits a rate between classes; set it to keep tc from warning.
    ns.must(cleanup, COMMAND_TIMEOUT, "tc", "class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb",
        "rate", rate, "ceil", rate, "quantum", "60000");
    if (delayMs > 0) {
      ns.must(cleanup, COMMAND_TIMEOUT, "tc", "qdisc", "add", "dev", dev, "parent", "1:1", "handle", "10:", "netem",
          "delay", delayMs + "ms", "limit", "10000");
    }
  }

  /** Whether tc can add a netem qdisc here (many small kernels leave it out). */
  private boolean netemAvailable() throws IOException, InterruptedException {
    boolean ok = hub.run(cleanup, COMMAND_TIMEOUT, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms").ok();
    if (ok) {
      hub.run(cleanup, COMMAND_TIMEOUT, "tc", "qdisc", "del", "dev", "lo", "root");
    }
    return ok;
  }

  /** Deletes the namespaces (killing, by PID, anything still running in them). Idempotent. */
  @Override
  public void close() {
    cleanup.release(teardown);
  }

  private void teardown() {
    for (int i = created.size() - 1; i >= 0; i--) {
      delete(created.get(i).name());
    }
    created.clear();
  }

  /**
   * Deletes namespaces a killed run left behind: ours by name ({@code lb<pid>...}) whose PID is no
   * longer running. Returns their names.
   */
  public static List<String> sweepStale() {
    List<String> swept = new ArrayList<>();
    String list = quietly(List.of("ip", "netns", "list"));
    for (String line : list.split("\n")) {
      String name = line.trim().split("\\s+")[0];
      Matcher m = OWN_NAMESPACE.matcher(name);
      if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(p -> !p.isAlive()).orElse(true)) {
        delete(name);
        swept.add(name);
      }
    }
    return swept;
  }

  /**
   * Kills what runs in {@code name}, by PID, then deletes it. Runs its commands unregistered: it also
   * runs from the exit hook, when {@link Cleanup} would stop a new process at once.
   */
  private static void delete(String name) {
    for (String pid : quietly(List.of("ip", "netns", "pids", name)).split("\\s+")) {
      if (pid.matches("\\d+")) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> {
          p.destroyForcibly();
          try {
            p.onExit().get(5, TimeUnit.SECONDS);
          } catch (Exception ignored) {
            // it was killed: at worst it is still exiting, and the namespace goes once it has
          }
        });
      }
    }
    quietly(List.of("ip", "netns", "delete", name));
  }

  /** Output of {@code command}, or "" if it fails or takes longer than 10 s. */
  private static String quietly(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "";
      }
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
