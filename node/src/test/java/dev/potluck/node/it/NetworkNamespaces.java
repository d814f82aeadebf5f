package dev.potluck.node.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test hosts as Linux network namespaces joined by a veth pair or a bridge: real IP traffic between
 * addresses that exist only inside this test. The namespaces have no default route, so nothing they
 * send can leave the machine. Needs root and iproute2; skips otherwise, saying which is missing.
 */
final class NetworkNamespaces implements AutoCloseable {

  private final List<String> created = new ArrayList<>();
  private final String prefix;

  private NetworkNamespaces(String prefix) {
    this.prefix = prefix;
  }

  static NetworkNamespaces create() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "network-namespace tests need root; running as " + System.getProperty("user.name"));
    assumeTrue(run(List.of("ip", "netns", "list")).exitCode() == 0,
        "network-namespace tests need iproute2's 'ip netns' (Debian package iproute2)");
    return new NetworkNamespaces("pl" + ProcessHandle.current().pid() % 100000);
  }

  /** Two namespaces, {@code a} at {@code 10.203.x.1/30} and {@code b} at {@code 10.203.x.2/30}. */
  String[] pair(int subnet) throws Exception {
    String a = prefix + "a" + subnet;
    String b = prefix + "b" + subnet;
    for (String ns : List.of(a, b)) {
      must("ip", "netns", "add", ns);
      created.add(ns);
      must("ip", "-n", ns, "link", "set", "lo", "up");
    }
    must("ip", "-n", a, "link", "add", "v" + subnet + "a", "type", "veth", "peer", "name", "v" + subnet + "b", "netns", b);
    must("ip", "-n", a, "addr", "add", "10.203." + subnet + ".1/30", "dev", "v" + subnet + "a");
    must("ip", "-n", b, "addr", "add", "10.203." + subnet + ".2/30", "dev", "v" + subnet + "b");
    must("ip", "-n", a, "link", "set", "v" + subnet + "a", "up");
    must("ip", "-n", b, "link", "set", "v" + subnet + "b", "up");
    return new String[] {a, b};
  }

  /**
   * {@code count} namespaces on one Ethernet segment, the i-th (from 1) at {@code 10.204.0.i/24} on
   * its interface {@code e0}. Each {@code e0} is a veth whose other end is enslaved to a bridge that
   * lives in a namespace of its own, so the root namespace gets neither a bridge nor an address.
   * Multicast works between them (mDNS needs it): the bridge floods it, and each namespace routes
   * 224.0.0.0/4 out of {@code e0}, having no default route.
   *
   * @return the namespaces' names, the i-th at index i - 1
   */
  String[] bridge(int count) throws Exception {
    if (count < 1 || count > 250) {
      throw new IllegalArgumentException("1-250 namespaces on one bridge, not " + count);
    }
    String hub = prefix + "hub";
    must("ip", "netns", "add", hub);
    created.add(hub);
    must("ip", "-n", hub, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
    must("ip", "-n", hub, "link", "set", "br0", "up");
    String[] hosts = new String[count];
    for (int i = 1; i <= count; i++) {
      String ns = prefix + "m" + i;
      must("ip", "netns", "add", ns);
      created.add(ns);
      must("ip", "-n", ns, "link", "set", "lo", "up");
      must("ip", "-n", hub, "link", "add", "p" + i, "type", "veth", "peer", "name", "e0", "netns", ns);
      must("ip", "-n", hub, "link", "set", "p" + i, "master", "br0");
      must("ip", "-n", hub, "link", "set", "p" + i, "up");
      must("ip", "-n", ns, "addr", "add", "10.204.0." + i + "/24", "dev", "e0");
      must("ip", "-n", ns, "link", "set", "e0", "multicast", "on");
      must("ip", "-n", ns, "link", "set", "e0", "up");
      must("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "e0");
      hosts[i - 1] = ns;
    }
    return hosts;
  }

  /** Unplugs the i-th (from 1) bridged namespace's cable at the bridge: a network partition. */
  void unplug(int i) throws Exception {
    must("ip", "-n", prefix + "hub", "link", "set", "p" + i, "down");
  }

  /** Plugs the i-th bridged namespace's cable back in. */
  void plug(int i) throws Exception {
    must("ip", "-n", prefix + "hub", "link", "set", "p" + i, "up");
  }

  /** The command prefixed to run inside {@code namespace}. */
  static List<String> in(String namespace, List<String> command) {
    List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    out.addAll(command);
    return out;
  }

  record Result(int exitCode, String output) {}

  static Result run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
    }
    return new Result(p.exitValue(), out);
  }

  private static void must(String... command) throws IOException, InterruptedException {
    Result r = run(List.of(command));
    if (r.exitCode() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + r.output());
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    for (String ns : created) {
      run(List.of("ip", "netns", "delete", ns));
    }
  }
}
