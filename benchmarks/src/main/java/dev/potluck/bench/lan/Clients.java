package dev.potluck.bench.lan;

import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.harness.Digests;
import dev.potluck.testkit.apt.AptGet;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The clients of one workload, one per host, each in its host's namespace:
 *
 * <ul>
 *   <li>{@code apt} (the default): the real {@code apt-get} with its own config, state, lists and cache
 *       ({@link AptGet}), through the host's proxy or straight to upstream. {@link #prepare} runs
 *       {@code apt-get update} on every host (not measured); the measured part is {@code apt-get install
 *       --download-only} of the host's packages, which apt fetches pipelined over one connection and
 *       checks against the signed index's SHA-256. A run that fails (a proxy's 503, say) is run again,
 *       up to {@link #ATTEMPTS} times; apt keeps what it already has, and the attempts are reported.
 *   <li>{@code curl}: one curl fetching the host's packages one after the other over one kept-alive
 *       connection, each to a file of its own, retrying a failed transfer up to four times.
 * </ul>
 *
 * <p>Every client waits at a gate (a FIFO it reads a line from) until all of them are started; then all
 * are released within microseconds of each other, and each sleeps its start offset before it fetches.
 */
public final class Clients {

  /** The kinds of client. */
  public static final List<String> KINDS = List.of("apt", "curl");
  /** apt-get runs per host at most (the first and the re-runs after a failure). */
  public static final int ATTEMPTS = 4;

  private static final String WRITE_OUT =
      "%{exitcode} %{http_code} %{size_download} %{time_starttransfer} %{time_total} %{url_effective} %header{x-potluck-cache}\\n";
  private static final Duration GATE_TIMEOUT = Duration.ofSeconds(30);
  private static final Map<String, String> APT_SETTINGS = Map.of(
      // Nothing is installed: only fetched and checked.
      "APT::Get::Download-Only", "true");

  /** One file fetched by curl. */
  public record Transfer(String url, int curlExit, int status, long bytes, double firstByteSeconds, double totalSeconds,
      String cache) {}

  /**
   * One host's client: when it finished (seconds after the release), how many runs it took, where its
   * files are, and for curl each transfer.
   */
  public record HostRun(int host, int exitCode, double startSeconds, double doneSeconds, int attempts,
      List<Transfer> transfers, Path dir, String log) {}

  /** One workload: when the clients were released ({@link System#nanoTime}), and each host's run. */
  public record Run(long releasedNanos, List<HostRun> hosts) {
    public double makespanSeconds() {
      return hosts.stream().mapToDouble(HostRun::doneSeconds).max().orElse(0);
    }
  }

  /** Where host {@code host}'s client runs and what it fetches through. */
  public record HostClient(int host, Namespace namespace, String proxy, Path dir, AptGet apt) {}

  private final String kind;
  private final Cleanup cleanup;
  private final String baseUrl;
  private final String sourcesLine;
  private final Duration transferTimeout;

  /**
   * @param kind {@code apt} or {@code curl}
   * @param sourcesLine the repository's sources.list line (apt)
   */
  public Clients(String kind, Cleanup cleanup, String baseUrl, String sourcesLine, Duration transferTimeout) {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("no client kind '" + kind + "' (" + String.join(", ", KINDS) + ")");
    }
    this.kind = kind;
    this.cleanup = cleanup;
    this.baseUrl = baseUrl;
    this.sourcesLine = sourcesLine;
    this.transferTimeout = transferTimeout;
  }

  public String kind() {
    return kind;
  }

  /**
   * Sets up one client per host under {@code dir} (host i's proxy at index i - 1, null for none) and,
   * for apt, runs {@code apt-get update} on all of them at once, each up to {@link #ATTEMPTS} times.
   * Returns once every host has its lists.
   */
  public List<HostClient> prepare(List<Namespace> hosts, List<String> proxies, Path dir)
      throws IOException, InterruptedException {
    List<HostClient> clients = new ArrayList<>();
    for (int i = 1; i <= hosts.size(); i++) {
      Path hostDir = Files.createDirectories(dir.resolve("h" + i));
      String proxy = proxies.get(i - 1);
      AptGet apt = null;
      if (kind.equals("apt")) {
        apt = AptGet.create(hostDir.resolve("apt"), sourcesLine, proxy == null ? null : proxy + "/", APT_SETTINGS)
            .withCommandPrefix(hosts.get(i - 1).command(List.of()))
            .timeout(transferTimeout);
      }
      clients.add(new HostClient(i, hosts.get(i - 1), proxy, hostDir, apt));
    }
    if (kind.equals("apt")) {
      ExecutorService pool = Executors.newFixedThreadPool(clients.size());
      try {
        List<Future<String>> updates = new ArrayList<>();
        for (HostClient c : clients) {
          updates.add(pool.submit(() -> update(c)));
        }
        for (int i = 0; i < updates.size(); i++) {
          String problem;
          try {
            problem = updates.get(i).get();
          } catch (ExecutionException e) {
            problem = e.getCause().toString();
          }
          if (problem != null) {
            throw new IOException("apt-get update on host " + (i + 1) + " failed " + ATTEMPTS + " times; the last: " + problem);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
    return clients;
  }

  private static String update(HostClient c) throws IOException {
    String problem = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      AptGet.Result r = c.apt().update();
      if (r.isClean()) {
        return null;
      }
      problem = r.problems() + "\n" + r.output();
    }
    return problem;
  }

  /**
   * Runs one workload: host i's client (at index i - 1 of {@code clients}) fetches {@code wants} of
   * host i. Returns once every client has exited; a client still running after {@code overallTimeout}
   * is killed and the run fails.
   */
  public Run run(List<HostClient> clients, List<WorkloadPlan.HostWants> wants, String label, Duration overallTimeout)
      throws IOException, InterruptedException, TimeoutException {
    int n = clients.size();
    List<Process> processes = new ArrayList<>();
    List<Path> gates = new ArrayList<>();
    List<CompletableFuture<Long>> doneAt = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        HostClient c = clients.get(i);
        WorkloadPlan.HostWants w = wants.get(i);
        Path gate = c.dir().resolve(label + ".gate");
        Namespace.mustRoot(cleanup, Duration.ofSeconds(10), "mkfifo", gate.toString());
        gates.add(gate);
        String delay = w.startSeconds() > 0 ? String.format(Locale.ROOT, "sleep %.3f && ", w.startSeconds()) : "";
        ProcessBuilder pb;
        if (kind.equals("apt")) {
          // The package names follow the gate and the attempts file as positional parameters.
          List<String> script = new ArrayList<>(List.of("sh", "-c",
              "gate=\"$1\"; count=\"$2\"; shift 2; read go < \"$gate\" && " + delay
                  + "n=0; while [ $n -lt " + ATTEMPTS + " ]; do n=$((n+1)); echo \"$n\" > \"$count\";"
                  + " apt-get install --yes --download-only --no-install-recommends \"$@\" && exit 0; done; exit 1",
              "client", gate.toString(), c.dir().resolve(label + ".attempts").toString()));
          script.addAll(w.packages().names());
          pb = new ProcessBuilder(c.namespace().command(script));
          Map<String, String> env = pb.environment();
          env.put("APT_CONFIG", c.apt().configFile().toString());
          env.put("LC_ALL", "C");
          env.put("DEBIAN_FRONTEND", "noninteractive");
          for (String v : List.of("LANGUAGE", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY")) {
            env.remove(v);
          }
          pb.directory(c.dir().toFile());
          pb.redirectOutput(c.dir().resolve(label + ".log").toFile());
          pb.redirectErrorStream(true);
        } else {
          Path files = Files.createDirectories(c.dir().resolve(label));
          Path config = c.dir().resolve(label + ".curlrc");
          Files.writeString(config, curlConfig(c.proxy(), w.packages(), files), StandardCharsets.UTF_8);
          pb = new ProcessBuilder(c.namespace().command(List.of("sh", "-c",
              "read go < \"$1\" && " + delay + "exec curl -K \"$2\"", "client", gate.toString(), config.toString())));
          pb.redirectOutput(c.dir().resolve(label + ".transfers").toFile());
          pb.redirectError(c.dir().resolve(label + ".log").toFile());
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        cleanup.register(p);
        processes.add(p);
        doneAt.add(p.onExit().thenApply(exited -> System.nanoTime()));
      }
      long released = release(gates);
      long deadline = released + overallTimeout.toNanos();
      for (int i = 0; i < n; i++) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !processes.get(i).waitFor(left, TimeUnit.NANOSECONDS)) {
          throw new TimeoutException("host " + (i + 1) + "'s client was still fetching " + overallTimeout + " after the start");
        }
      }
      List<HostRun> runs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        HostClient c = clients.get(i);
        boolean apt = kind.equals("apt");
        Path attempts = c.dir().resolve(label + ".attempts");
        runs.add(new HostRun(i + 1, processes.get(i).exitValue(), wants.get(i).startSeconds(),
            (doneAt.get(i).join() - released) / 1e9,
            apt ? (Files.exists(attempts) ? Integer.parseInt(Files.readString(attempts).trim()) : 0) : 1,
            apt ? List.of() : transfers(c.dir().resolve(label + ".transfers")),
            apt ? c.apt().archivesDir() : c.dir().resolve(label),
            Files.readString(c.dir().resolve(label + ".log"), StandardCharsets.UTF_8).trim()));
      }
      return new Run(released, runs);
    } finally {
      for (Process p : processes) {
        cleanup.stop(p, 1_000);
      }
    }
  }

  /**
   * Opens every gate for writing (each open returns once its client is waiting at it), then lets them
   * all through. Returns the moment of release.
   */
  private static long release(List<Path> gates) throws IOException, InterruptedException, TimeoutException {
    ExecutorService openers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "client-gate");
      t.setDaemon(true);
      return t;
    });
    List<Future<OutputStream>> opening = new ArrayList<>();
    for (Path gate : gates) {
      opening.add(openers.submit(() -> Files.newOutputStream(gate)));
    }
    List<OutputStream> open = new ArrayList<>();
    try {
      long deadline = System.nanoTime() + GATE_TIMEOUT.toNanos();
      for (int i = 0; i < gates.size(); i++) {
        try {
          open.add(opening.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
          throw new TimeoutException("host " + (i + 1) + "'s client never reached its start gate within " + GATE_TIMEOUT);
        } catch (ExecutionException e) {
          throw new IOException("opening " + gates.get(i) + ": " + e.getCause(), e.getCause());
        }
      }
      long released = System.nanoTime();
      for (OutputStream gate : open) {
        gate.write("go\n".getBytes(StandardCharsets.US_ASCII));
        gate.close();
      }
      return released;
    } finally {
      for (OutputStream gate : open) {
        try {
          gate.close();
        } catch (IOException ignored) {
          // already closed
        }
      }
      // An opener still blocked (its client died before the gate) is released by a reader of our own.
      for (int i = 0; i < gates.size(); i++) {
        if (!opening.get(i).isDone()) {
          Path gate = gates.get(i);
          CompletableFuture.runAsync(() -> {
            try (InputStream drain = Files.newInputStream(gate)) {
              drain.readAllBytes();
            } catch (IOException ignored) {
              // nothing to release
            }
          });
        }
      }
      openers.shutdown();
    }
  }

  private String curlConfig(String proxy, PackageSet set, Path files) {
    StringBuilder c = new StringBuilder();
    c.append("silent\nshow-error\nfail\n");
    // The same retries whatever the system: a proxy that answers 503 now and then still gets every file.
    c.append("retry = 4\nretry-delay = 1\nretry-all-errors\n");
    c.append(proxy == null ? "noproxy = \"*\"\n" : "proxy = \"" + proxy + "\"\n");
    c.append("connect-timeout = 10\n");
    c.append("max-time = ").append(transferTimeout.toSeconds()).append('\n');
    c.append("write-out = \"").append(WRITE_OUT).append("\"\n");
    for (PackageSet.Package p : set.packages()) {
      c.append("url = \"").append(baseUrl).append('/').append(p.path()).append("\"\n");
      c.append("output = \"").append(files.resolve(p.fileName())).append("\"\n");
    }
    return c.toString();
  }

  private static List<Transfer> transfers(Path file) throws IOException {
    List<Transfer> list = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.trim().split(" ", 7);
      if (f.length < 6) {
        throw new IOException("unexpected curl write-out line: " + line);
      }
      list.add(new Transfer(f[5], Integer.parseInt(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]),
          Double.parseDouble(f[3]), Double.parseDouble(f[4]), f.length > 6 && !f[6].isBlank() ? f[6].trim() : null));
    }
    return list;
  }

  /**
   * Checks every host's files against what it wanted: each present, of the right size, with the right
   * SHA-256 (and for curl answered 200; apt has checked them against the signed index itself). Returns
   * the problems found (empty when all is well).
   */
  public List<String> verify(List<HostRun> runs, List<WorkloadPlan.HostWants> wants) throws InterruptedException {
    ExecutorService hashers = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try {
      List<Future<String>> checks = new ArrayList<>();
      for (int i = 0; i < runs.size(); i++) {
        HostRun run = runs.get(i);
        Map<String, Transfer> byUrl = new HashMap<>();
        for (Transfer t : run.transfers()) {
          byUrl.put(t.url(), t);
        }
        for (PackageSet.Package pkg : wants.get(i).packages().packages()) {
          Transfer t = kind.equals("curl") ? byUrl.get(baseUrl + "/" + pkg.path()) : null;
          Path file = run.dir().resolve(pkg.fileName());
          String where = "host " + run.host() + ", " + pkg.path();
          checks.add(hashers.submit(() -> check(where, pkg, t, file)));
        }
        if (run.exitCode() != 0) {
          String last = run.log().lines().filter(l -> l.startsWith("E:")).reduce((a, b) -> b).orElse("");
          checks.add(CompletableFuture.completedFuture("host " + run.host() + ": client exited with " + run.exitCode()
              + (last.isEmpty() ? "" : " (" + last + ")")));
        }
      }
      List<String> problems = new ArrayList<>();
      for (Future<String> check : checks) {
        try {
          String problem = check.get();
          if (problem != null) {
            problems.add(problem);
          }
        } catch (ExecutionException e) {
          problems.add(e.getCause().toString());
        }
      }
      return problems;
    } finally {
      hashers.shutdownNow();
    }
  }

  private String check(String where, PackageSet.Package pkg, Transfer t, Path file) throws IOException {
    if (kind.equals("curl")) {
      if (t == null) {
        return where + ": never fetched";
      }
      if (t.curlExit() != 0 || t.status() != 200) {
        return where + ": curl exit " + t.curlExit() + ", HTTP " + t.status();
      }
    }
    if (!Files.isRegularFile(file)) {
      return where + ": no file " + file.getFileName();
    }
    long size = Files.size(file);
    if (size != pkg.size()) {
      return where + ": " + size + " bytes, expected " + pkg.size();
    }
    String sha = Digests.sha256Hex(file);
    return sha.equals(pkg.sha256()) ? null : where + ": SHA-256 " + sha + ", expected " + pkg.sha256();
  }
}
