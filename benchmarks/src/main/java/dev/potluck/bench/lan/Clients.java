package dev.potluck.bench.lan;

import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.harness.Digests;
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
 * The clients of one workload: one curl process per host, fetching the whole package set in the set's
 * order, one file after the other over one kept-alive connection (to upstream, or to the host's proxy),
 * each to a file of its own. Every client waits at a gate (a FIFO it reads a line from) until all of
 * them are started; then all are released within microseconds of each other.
 *
 * <p>curl writes one line per transfer ({@code -w}): its exit code, the HTTP status, the bytes, the
 * time to the first byte and to the last, the URL and the {@code X-Potluck-Cache} answer.
 */
public final class Clients {

  private static final String WRITE_OUT =
      "%{exitcode} %{http_code} %{size_download} %{time_starttransfer} %{time_total} %{url_effective} %header{x-potluck-cache}\\n";
  private static final Duration GATE_TIMEOUT = Duration.ofSeconds(30);

  /** One file fetched by one host. */
  public record Transfer(String url, int curlExit, int status, long bytes, double firstByteSeconds, double totalSeconds,
      String cache) {}

  /** One host's client: when it finished (seconds after the release) and what it fetched. */
  public record HostRun(int host, int exitCode, double doneSeconds, List<Transfer> transfers, Path dir, String stderr) {}

  /** One workload: when the clients were released ({@link System#nanoTime}), and each host's run. */
  public record Workload(long releasedNanos, List<HostRun> hosts) {
    public double makespanSeconds() {
      return hosts.stream().mapToDouble(HostRun::doneSeconds).max().orElse(0);
    }
  }

  private Clients() {}

  /**
   * Runs the workload and returns once every client has exited; a client still running after
   * {@code overallTimeout} is killed and the run fails.
   *
   * @param proxies host i's proxy URL at index i - 1, or null for none
   */
  public static Workload run(Cleanup cleanup, List<Namespace> hosts, List<String> proxies, PackageSet set,
      String baseUrl, Path dir, Duration transferTimeout, Duration overallTimeout)
      throws IOException, InterruptedException, TimeoutException {
    int n = hosts.size();
    List<Process> processes = new ArrayList<>();
    List<Path> gates = new ArrayList<>();
    List<CompletableFuture<Long>> doneAt = new ArrayList<>();
    try {
      for (int i = 1; i <= n; i++) {
        Path hostDir = dir.resolve("h" + i);
        Files.createDirectories(hostDir);
        Path config = dir.resolve("h" + i + ".curlrc");
        Files.writeString(config, curlConfig(proxies.get(i - 1), set, baseUrl, hostDir, transferTimeout), StandardCharsets.UTF_8);
        Path gate = dir.resolve("h" + i + ".gate");
        Namespace.mustRoot(cleanup, Duration.ofSeconds(10), "mkfifo", gate.toString());
        gates.add(gate);
        Process p = new ProcessBuilder(hosts.get(i - 1).command(List.of("sh", "-c",
            "read go < \"$1\" && exec curl -K \"$2\"", "client", gate.toString(), config.toString())))
            .redirectOutput(dir.resolve("h" + i + ".transfers").toFile())
            .redirectError(dir.resolve("h" + i + ".stderr").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
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
        Path hostDir = dir.resolve("h" + (i + 1));
        runs.add(new HostRun(i + 1, processes.get(i).exitValue(), (doneAt.get(i).join() - released) / 1e9,
            transfers(dir.resolve("h" + (i + 1) + ".transfers")), hostDir,
            Files.readString(dir.resolve("h" + (i + 1) + ".stderr"), StandardCharsets.UTF_8).trim()));
      }
      return new Workload(released, runs);
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

  private static String curlConfig(String proxy, PackageSet set, String baseUrl, Path hostDir, Duration transferTimeout) {
    StringBuilder c = new StringBuilder();
    c.append("silent\nshow-error\n");
    c.append(proxy == null ? "noproxy = \"*\"\n" : "proxy = \"" + proxy + "\"\n");
    c.append("connect-timeout = 10\n");
    c.append("max-time = ").append(transferTimeout.toSeconds()).append('\n');
    c.append("write-out = \"").append(WRITE_OUT).append("\"\n");
    List<PackageSet.Package> packages = set.packages();
    for (int i = 0; i < packages.size(); i++) {
      c.append("url = \"").append(baseUrl).append('/').append(packages.get(i).path()).append("\"\n");
      c.append("output = \"").append(hostDir.resolve(fileName(i))).append("\"\n");
    }
    return c.toString();
  }

  private static String fileName(int index) {
    return String.format(Locale.ROOT, "%05d.deb", index);
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
   * Checks every host's files against the set: each present, of the right size, with the right SHA-256,
   * answered 200. Returns the problems found (empty when all is well).
   */
  public static List<String> verify(List<HostRun> runs, PackageSet set, String baseUrl) throws InterruptedException {
    List<PackageSet.Package> packages = set.packages();
    ExecutorService hashers = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try {
      List<Future<String>> checks = new ArrayList<>();
      for (HostRun run : runs) {
        Map<String, Transfer> byUrl = new HashMap<>();
        for (Transfer t : run.transfers()) {
          byUrl.put(t.url(), t);
        }
        for (int i = 0; i < packages.size(); i++) {
          PackageSet.Package pkg = packages.get(i);
          Transfer t = byUrl.get(baseUrl + "/" + pkg.path());
          Path file = run.dir().resolve(fileName(i));
          String where = "host " + run.host() + ", " + pkg.path();
          checks.add(hashers.submit(() -> check(where, pkg, t, file)));
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

  private static String check(String where, PackageSet.Package pkg, Transfer t, Path file) throws IOException {
    if (t == null) {
      return where + ": never fetched";
    }
    if (t.curlExit() != 0 || t.status() != 200) {
      return where + ": curl exit " + t.curlExit() + ", HTTP " + t.status();
    }
    if (!Files.isRegularFile(file)) {
      return where + ": no file written";
    }
    long size = Files.size(file);
    if (size != pkg.size()) {
      return where + ": " + size + " bytes, expected " + pkg.size();
    }
    String sha = Digests.sha256Hex(file);
    return sha.equals(pkg.sha256()) ? null : where + ": SHA-256 " + sha + ", expected " + pkg.sha256();
  }
}
