package dev.potluck.bench.lan;

import dev.potluck.bench.harness.CpuAccount;
import dev.potluck.bench.harness.Json;
import dev.potluck.bench.harness.NodeProcess;
import dev.potluck.bench.harness.RssSampler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Potluck node in every host, configured as a user would: nothing but {@code --cache-dir} and a
 * {@code --cluster} name of its own per run (so nothing else can join), everything else default: the
 * proxy on {@code 127.0.0.1:7878}, the LAN address found by the node, peers found by mDNS. Each host's
 * client uses its own node as its HTTP proxy.
 *
 * <p>Counters come from each node's {@code /api/v1/status}, read inside its namespace with curl (the
 * benchmark's namespace has no address on the LAN); peak RSS is the kernel's {@code VmHWM} of each JVM.
 */
public final class PotluckSystem implements LanSystem {

  /** The node's default client listener, inside each host. */
  static final String PROXY = "http://127.0.0.1:7878";

  private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

  private final List<String> extraNodeArgs;
  /** Hosts (from 1) whose cache is a tmpfs of this many bytes, so that its disk can fill up. */
  private final Map<Integer, Long> tmpfsCaches;
  private Context context;
  private final List<Process> nodes = new ArrayList<>();
  private final List<List<String>> commands = new ArrayList<>();
  private final List<Path> cacheDirs = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final List<Path> mounted = new ArrayList<>();

  /** Nodes as a user runs them: nothing but the cache, the cluster name and the repository's key. */
  public PotluckSystem() {
    this(List.of(), Map.of());
  }

  /**
   * @param extraNodeArgs more options for every node (a shorter {@code --upstream-timeout}, ...)
   * @param tmpfsCaches hosts (from 1) whose cache directory is a tmpfs of the given size
   */
  public PotluckSystem(List<String> extraNodeArgs, Map<Integer, Long> tmpfsCaches) {
    this.extraNodeArgs = List.copyOf(extraNodeArgs);
    this.tmpfsCaches = Map.copyOf(tmpfsCaches);
  }
  private List<Map<String, Object>> before;
  private double[] cpuBefore;

  @Override
  public String name() {
    return "potluck";
  }

  @Override
  public void start(Context context) throws IOException, InterruptedException, TimeoutException {
    this.context = context;
    List<Namespace> hosts = context.lan().hosts();
    Path dir = context.workDir().resolve("potluck");
    Files.createDirectories(dir);
    for (int i = 1; i <= hosts.size(); i++) {
      Path cacheDir = dir.resolve("h" + i + "-cache");
      Files.createDirectories(cacheDir);
      if (tmpfsCaches.containsKey(i)) {
        Namespace.mustRoot(context.cleanup(), STATUS_TIMEOUT, "mount", "-t", "tmpfs", "-o", "size=" + tmpfsCaches.get(i),
            "potluck-chaos", cacheDir.toString());
        mounted.add(cacheDir);
      }
      cacheDirs.add(cacheDir);
      Path log = dir.resolve("node-h" + i + ".log");
      List<String> command = new ArrayList<>();
      command.add(NodeProcess.javaExecutable());
      command.addAll(context.nodeJvmOptions());
      // Vert.x's file-cache directory defaults to /tmp: keep it in the work directory, always deleted.
      command.add("-Dvertx.cacheDirBase=" + dir.resolve("vertx-h" + i));
      command.addAll(List.of("-jar", context.nodeJar().toString(), "node",
          "--cache-dir", cacheDir.toString(),
          "--cluster", context.runId(),
          // The benchmark's repository is signed by a key of its own, as a private repository is.
          "--keyring", context.repositoryKeyring().toString(),
          "--log-level", context.nodeLogLevel()));
      command.addAll(extraNodeArgs);
      commands.add(hosts.get(i - 1).command(command));
      logs.add(log);
      nodes.add(launch(i - 1));
    }
    awaitCluster(context.readyTimeout());
  }

  private Process launch(int index) throws IOException {
    Process p = new ProcessBuilder(commands.get(index))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.get(index).toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    context.cleanup().register(p);
    return p;
  }

  /** Host {@code host}'s (from 1) node process as it runs now. */
  public Process node(int host) {
    return nodes.get(host - 1);
  }

  /** Host {@code host}'s cache directory. */
  public Path cacheDir(int host) {
    return cacheDirs.get(host - 1);
  }

  /** Kills host {@code host}'s node with SIGKILL and waits until it is gone. */
  public void kill(int host) throws InterruptedException {
    Process p = nodes.get(host - 1);
    p.destroyForcibly();
    p.waitFor();
  }

  /**
   * Starts host {@code host}'s node again, on the same cache, with the same options, and returns once it
   * answers its status again (its cluster may still be forming).
   */
  public void restart(int host, Duration timeout) throws IOException, InterruptedException, TimeoutException {
    Process p = launch(host - 1);
    nodes.set(host - 1, p);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (status(host - 1) == null) {
      if (!p.isAlive()) {
        throw new IOException("the restarted node in host " + host + " exited with status " + p.exitValue() + ":\n"
            + tail(host - 1, 30));
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("the restarted node in host " + host + " did not answer within " + timeout);
      }
      Thread.sleep(200);
    }
  }

  /** Host {@code host}'s {@code /api/v1/status}, or null when it does not answer. */
  public Map<String, Object> statusOf(int host) throws IOException, InterruptedException {
    return status(host - 1);
  }

  /** Host {@code host}'s {@code /api/v1/objects} list (complete and in flight), empty when it does not answer. */
  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> objectsOf(int host) throws IOException, InterruptedException {
    Namespace.Result r = context.lan().hosts().get(host - 1).run(context.cleanup(), STATUS_TIMEOUT,
        "curl", "-s", "--noproxy", "*", "--max-time", "5", PROXY + "/api/v1/objects");
    if (!r.ok()) {
      return List.of();
    }
    try {
      if (Json.parse(r.output()) instanceof Map<?, ?> m && m.get("objects") instanceof List<?> list) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list) {
          if (o instanceof Map<?, ?> object) {
            out.add((Map<String, Object>) object);
          }
        }
        return out;
      }
    } catch (IllegalArgumentException notJson) {
      // not answering properly: nothing known
    }
    return List.of();
  }

  /** Waits until every node reports all hosts as members, each with its peer API address known. */
  private void awaitCluster(Duration timeout) throws IOException, InterruptedException, TimeoutException {
    int n = nodes.size();
    long deadline = System.nanoTime() + timeout.toNanos();
    String[] state = new String[n];
    List<Map<String, Object>> last = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      last.add(null);
    }
    while (true) {
      boolean all = true;
      for (int i = 0; i < n; i++) {
        Process p = nodes.get(i);
        if (!p.isAlive()) {
          throw new IOException("the node in host " + (i + 1) + " exited with status " + p.exitValue() + ":\n" + tail(i, 30));
        }
        if ("ready".equals(state[i])) {
          continue;
        }
        Map<String, Object> status = status(i);
        if (status != null) {
          last.set(i, status);
        }
        state[i] = describe(status, n);
        all &= "ready".equals(state[i]);
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder why = new StringBuilder("the cluster did not form within " + timeout + ":");
        for (int i = 0; i < n; i++) {
          why.append("\n  host ").append(i + 1).append(": ").append(state[i]).append(missing(last, i));
        }
        why.append("\nlast lines of host 1's node log:\n").append(tail(0, 20));
        throw new TimeoutException(why.toString());
      }
      try {
        nodes.get(0).onExit().get(250, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException stillRunning) {
        // poll again
      }
    }
  }

  /** Which hosts node {@code index} does not list as members with a peer API address, as "; not ..." */
  private static String missing(List<Map<String, Object>> statuses, int index) {
    Map<String, Object> status = statuses.get(index);
    if (status == null || !(status.get("cluster") instanceof Map<?, ?> cluster) || !(cluster.get("members") instanceof List<?> members)) {
      return "";
    }
    List<String> seen = new ArrayList<>();
    for (Object m : members) {
      if (m instanceof Map<?, ?> member && member.get("peerApi") != null) {
        seen.add(String.valueOf(member.get("nodeId")));
      }
    }
    List<String> absent = new ArrayList<>();
    for (int i = 0; i < statuses.size(); i++) {
      Map<String, Object> other = statuses.get(i);
      if (other == null) {
        absent.add("host " + (i + 1) + " (no status)");
      } else if (!seen.contains(String.valueOf(other.get("nodeId")))) {
        absent.add("host " + (i + 1) + " (node " + other.get("nodeId") + ")");
      }
    }
    return absent.isEmpty() ? "" : "; not listed: " + String.join(", ", absent);
  }

  private static String describe(Map<String, Object> status, int n) {
    if (status == null) {
      return "no status yet";
    }
    if (!(status.get("cluster") instanceof Map<?, ?> cluster)) {
      return "joining (cluster null)";
    }
    List<?> members = cluster.get("members") instanceof List<?> l ? l : List.of();
    long withPeerApi = members.stream().filter(m -> m instanceof Map<?, ?> mm && mm.get("peerApi") != null).count();
    if (members.size() == n && withPeerApi == n) {
      return "ready";
    }
    return members.size() + " of " + n + " members, " + withPeerApi + " with a peer API address";
  }

  @Override
  public String proxyFor(int host) {
    return PROXY;
  }

  @Override
  public void beforeWorkload() throws IOException, InterruptedException {
    before = statuses();
    cpuBefore = nodes.stream().mapToDouble(p -> CpuAccount.secondsOf(p.pid())).toArray();
  }

  @Override
  public Report afterWorkload() throws IOException, InterruptedException, TimeoutException {
    // A client has its last byte a moment before its node has committed the object, and a node may still
    // be serving a peer: wait until no node fetches or uploads.
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    List<Map<String, Object>> after;
    while (true) {
      after = statuses();
      long busy = 0;
      for (Map<String, Object> s : after) {
        busy += number(s, "activeFetches") + number(s, "cluster", "activeUploads");
      }
      if (busy == 0) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("the nodes still had " + busy + " fetches or uploads under way " + SETTLE_TIMEOUT
            + " after the last client finished");
      }
      try {
        nodes.get(0).onExit().get(200, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException stillRunning) {
        // poll again
      }
    }
    List<Long> uploaded = new ArrayList<>();
    long messages = 0;
    double cpu = 0;
    Map<String, Long> rss = new LinkedHashMap<>();
    List<Map<String, Object>> perNode = new ArrayList<>();
    Map<String, Long> answers = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      Map<String, Object> a = after.get(i);
      Map<String, Object> b = before.get(i);
      long up = number(a, "cluster", "uploadedBytes") - number(b, "cluster", "uploadedBytes");
      long sent = number(a, "cluster", "messagesSent") - number(b, "cluster", "messagesSent");
      uploaded.add(up);
      messages += sent;
      long hwm = RssSampler.read(nodes.get(i).pid())[1];
      double nodeCpu = CpuAccount.secondsOf(nodes.get(i).pid()) - cpuBefore[i];
      cpu += nodeCpu;
      rss.put("h" + (i + 1), hwm);
      // The nodes count their answers since they started: the workload's are the difference.
      if (a.get("answers") instanceof Map<?, ?> m) {
        Map<?, ?> earlier = b.get("answers") instanceof Map<?, ?> e ? e : Map.of();
        m.forEach((k, v) -> answers.merge(String.valueOf(k), ((Number) v).longValue()
            - (earlier.get(k) instanceof Number n ? n.longValue() : 0), Long::sum));
      }
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("host", i + 1);
      node.put("pid", nodes.get(i).pid());
      node.put("uploadedBytes", up);
      node.put("peerBytes", number(a, "cluster", "peerBytes") - number(b, "cluster", "peerBytes"));
      node.put("peerRequests", number(a, "cluster", "peerRequests") - number(b, "cluster", "peerRequests"));
      node.put("upstreamBytes", number(a, "upstream", "bytes") - number(b, "upstream", "bytes"));
      node.put("upstreamRequests", number(a, "upstream", "requests") - number(b, "upstream", "requests"));
      node.put("messagesSent", sent);
      node.put("messagesReceived", number(a, "cluster", "messagesReceived") - number(b, "cluster", "messagesReceived"));
      node.put("messagesSentBeforeWorkload", number(b, "cluster", "messagesSent"));
      node.put("verificationFailures", number(a, "peers", "verificationFailures"));
      node.put("answers", a.get("answers"));
      node.put("blocklisted", a.get("cluster") instanceof Map<?, ?> c ? c.get("blocklisted") : null);
      node.put("vmHwmKiB", hwm);
      node.put("cpuSeconds", Math.round(nodeCpu * 100) / 100.0);
      perNode.add(node);
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("answers", answers);
    details.put("nodes", perNode);
    return new Report(uploaded, messages, cpu, rss, details);
  }

  private List<Map<String, Object>> statuses() throws IOException, InterruptedException {
    List<Map<String, Object>> all = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      Map<String, Object> s = status(i);
      if (s == null && !nodes.get(i).isAlive()) {
        // Killed on purpose (a fault the chaos suite injects) and not started again: counts as silent.
        all.add(Map.of());
        continue;
      }
      if (s == null) {
        throw new IOException("the node in host " + (i + 1) + " did not answer /api/v1/status:\n" + tail(i, 20));
      }
      all.add(s);
    }
    return all;
  }

  /** Node {@code index}'s status (index from 0), or null if it does not answer with JSON. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> status(int index) throws IOException, InterruptedException {
    Namespace.Result r = context.lan().hosts().get(index).run(context.cleanup(), STATUS_TIMEOUT,
        "curl", "-s", "--noproxy", "*", "--max-time", "5", PROXY + "/api/v1/status");
    if (!r.ok()) {
      return null;
    }
    try {
      return Json.parse(r.output()) instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    } catch (IllegalArgumentException notJson) {
      return null;
    }
  }

  /** The number at {@code path} in {@code json}, or 0 where a part of the path is missing or null. */
  static long number(Map<String, Object> json, String... path) {
    Object at = json;
    for (String key : path) {
      if (!(at instanceof Map<?, ?> m)) {
        return 0;
      }
      at = m.get(key);
    }
    return at instanceof Number n ? n.longValue() : 0;
  }

  private String tail(int index, int lines) {
    try {
      List<String> all = Files.readAllLines(logs.get(index), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public List<Path> logs() {
    return List.copyOf(logs);
  }

  /** Stops every node: SIGTERM (a node leaves the group and drains), then SIGKILL after 15 s. */
  @Override
  public void close() {
    if (context == null) {
      return;
    }
    for (Process p : nodes) {
      p.destroy();
    }
    for (Process p : nodes) {
      context.cleanup().stop(p, 15_000);
    }
    for (Path dir : mounted) {
      try {
        Namespace.root(context.cleanup(), STATUS_TIMEOUT, List.of("umount", dir.toString()));
      } catch (IOException | InterruptedException e) {
        System.err.println("could not unmount " + dir + ": " + e);
      }
    }
    mounted.clear();
  }
}
