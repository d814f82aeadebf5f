package dev.potluck.bench;

import dev.potluck.bench.chaos.Fault;
import dev.potluck.bench.chaos.Faults;
import dev.potluck.bench.chaos.Rig;
import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.harness.Json;
import dev.potluck.bench.harness.Machine;
import dev.potluck.bench.harness.Table;
import dev.potluck.bench.harness.Watchdog;
import dev.potluck.bench.lan.Clients;
import dev.potluck.bench.lan.Lan;
import dev.potluck.bench.lan.LanSystem;
import dev.potluck.bench.lan.PackageSet;
import dev.potluck.bench.lan.PotluckSystem;
import dev.potluck.bench.lan.Upstream;
import dev.potluck.bench.lan.WorkloadPlan;
import dev.potluck.testkit.apt.AptRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The chaos suite: the LAN of {@link LanBench} (hosts and an upstream in network namespaces, shaped
 * links, a signed apt repository), a Potluck node on every host, and a cold herd of real {@code apt-get}
 * clients, all asking for the whole set at once. The herd runs once without a fault (the baseline),
 * then once per scenario ({@link Faults}) with a fresh cluster and cold caches, the fault injected
 * mid-herd on its own thread.
 *
 * <p>Reported per scenario: apt errors on the hosts the fault did not hit (each failed apt-get run, and
 * every {@code E:} or {@code W:} line), files verified on every host, upstream package bytes against the
 * unique bytes, the makespan against the baseline's, whether any two hosts hold different bodies for one
 * file, and what the fault itself saw. Hosts whose node the fault killed, restarted or starved of disk
 * are judged apart: a restarted or refilled host runs its client again after the herd and must then get
 * every file. Exit status 0 when every scenario met its checks, 1 otherwise, 2 on bad usage, 3 when the
 * watchdog fired.
 */
public final class ChaosBench {

  /** Design target: a killed fetcher costs at most this much upstream. */
  static final double UPSTREAM_TARGET = 1.10;
  private static final Duration FAULT_GRACE = Duration.ofSeconds(90);

  private ChaosBench() {}

  public static void main(String[] args) {
    ChaosOptions options;
    try {
      options = ChaosOptions.parse(args);
    } catch (BenchOptions.UsageException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(ChaosOptions.usage());
      System.exit(2);
      return;
    }
    if (options == null) {
      System.exit(0);
      return;
    }
    Cleanup cleanup = new Cleanup();
    cleanup.installShutdownHook();
    Watchdog.start(options.maxSeconds);
    int status;
    try {
      status = run(options, cleanup);
    } catch (Exception e) {
      System.err.println("chaos suite failed: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  private static int run(ChaosOptions o, Cleanup cleanup) throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new IOException("the chaos suite builds network namespaces and needs root");
    }
    if (!Files.isRegularFile(o.jar)) {
      throw new IOException("node jar not found: " + o.jar.toAbsolutePath() + " (build with mvn -B -q package -DskipTests)");
    }
    List<String> swept = Lan.sweepStale();
    if (!swept.isEmpty()) {
      System.out.println("deleted namespaces a killed run left behind: " + String.join(" ", swept));
    }
    long started = System.nanoTime();
    Path workDir = cleanup.newTempDir(o.tmp, "potluck-chaos-");
    Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = workDir.resolve("potluck.jar");
    Files.copy(o.jar, jar, StandardCopyOption.REPLACE_EXISTING);
    Path logs = o.logs.toAbsolutePath();
    Files.createDirectories(logs);

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", "chaos");
    report.put("startedAt", Instant.now().toString());
    report.put("machine", Machine.describe());
    report.put("loadAverageAtStart", Machine.loadAverage());
    report.put("settings", o.toMap());

    List<Long> sizes = PackageSet.spreadSizes(o.packages, (long) (o.totalMb * 1048576), o.seed);
    AptRepository repository = AptRepository.create(workDir.resolve("repo"), PackageSet.specs("pkg", sizes), o.seed);
    PackageSet set = PackageSet.of(repository, "pkg");
    System.out.printf("chaos suite: %d hosts, %d packages, %.1f MiB (largest %.1f MiB); WAN %s Mbit/s, LAN %s Mbit/s%n",
        o.hosts, set.count(), set.uniqueBytes() / 1048576.0, set.largest() / 1048576.0, o.wanMbit, o.lanMbit);

    Map<String, Object> results = new LinkedHashMap<>();
    boolean failed = false;
    try (Lan lan = Lan.create(cleanup, o.hosts, o.wanMbit, o.lanMbit, o.wanDelayMs)) {
      try (Upstream upstream = Upstream.start(cleanup, o.nginx, lan.upstream(), lan.upstreamAddress(),
          workDir.resolve("nginx"), repository.root(), lan.hosts().get(0), "dists/" + AptRepository.SUITE + "/InRelease",
          Duration.ofSeconds(30))) {
        Herd herd = new Herd(o, cleanup, lan, upstream, repository, set, workDir, jar, logs);
        Map<String, Object> baseline = herd.run(null);
        results.put("baseline", baseline);
        failed |= !Boolean.TRUE.equals(baseline.get("ok"));
        double base = (Double) baseline.get("makespanSeconds");
        for (String id : o.scenarios) {
          Map<String, Object> r = herd.run(Faults.named(id));
          r.put("makespanVsBaseline", round(((Double) r.get("makespanSeconds")) / base));
          results.put(id, r);
          failed |= !Boolean.TRUE.equals(r.get("ok"));
        }
      }
    } finally {
      cleanup.delete(workDir);
    }
    report.put("scenarios", results);
    report.put("elapsedSeconds", round((System.nanoTime() - started) / 1e9));
    report.put("loadAverageAtEnd", Machine.loadAverage());
    report.put("complete", !failed);
    print(results);
    Path out = o.out.toAbsolutePath();
    Files.createDirectories(out.getParent());
    Files.writeString(out, Json.write(report), StandardCharsets.UTF_8);
    System.out.printf("%nresults: %s%nlogs: %s%n", out, logs);
    return failed ? 1 : 0;
  }

  private static void print(Map<String, Object> results) {
    Table t = new Table("scenario", "ok", "apt errors", "files verified", "upstream / unique", "makespan s", "vs baseline",
        "hosts hit", "problems");
    results.forEach((id, value) -> {
      Map<?, ?> r = (Map<?, ?>) value;
      t.row(id, r.get("ok"), r.get("aptErrors"), r.get("filesVerified") + " / " + r.get("filesChecked"),
          r.get("upstreamPerUnique"), r.get("makespanSeconds"), (r.containsKey("makespanVsBaseline") ? r.get("makespanVsBaseline") : "1.00"),
          r.get("hostsHit"), ((List<?>) r.get("problems")).size());
    });
    System.out.println();
    t.print(System.out);
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** One herd on a fresh cluster, with or without a fault. */
  private static final class Herd {
    private final ChaosOptions o;
    private final Cleanup cleanup;
    private final Lan lan;
    private final Upstream upstream;
    private final AptRepository repository;
    private final PackageSet set;
    private final Path workDir;
    private final Path jar;
    private final Path logs;

    Herd(ChaosOptions o, Cleanup cleanup, Lan lan, Upstream upstream, AptRepository repository, PackageSet set,
        Path workDir, Path jar, Path logs) {
      this.o = o;
      this.cleanup = cleanup;
      this.lan = lan;
      this.upstream = upstream;
      this.repository = repository;
      this.set = set;
      this.workDir = workDir;
      this.jar = jar;
      this.logs = logs;
    }

    Map<String, Object> run(Fault fault) throws Exception {
      String id = fault == null ? "baseline" : fault.id();
      String tag = "[" + id + "]";
      Map<String, Object> r = new LinkedHashMap<>();
      if (fault != null) {
        r.put("title", fault.title());
      }
      List<String> problems = new ArrayList<>();
      r.put("problems", problems);
      Duration upstreamTimeout = Duration.ofSeconds(o.upstreamTimeoutSeconds);
      PotluckSystem nodes = new PotluckSystem(List.of("--upstream-timeout", o.upstreamTimeoutSeconds + "s"),
          fault == null ? Map.of() : fault.tmpfsCaches(o.hosts, set.uniqueBytes()));
      Path dir = workDir.resolve(id);
      String runId = "chaos-" + ProcessHandle.current().pid() + "-" + id;
      LanSystem.Context context = new LanSystem.Context(cleanup, lan, dir, jar, o.nodeJvmOptions(), "info",
          Duration.ofSeconds(120), runId, repository.keyring());
      Clients clients = new Clients("apt", cleanup, upstream.baseUrl(), repository.sourcesLine(upstream.baseUrl()),
          Duration.ofSeconds(300));
      WorkloadPlan plan = WorkloadPlan.of("a", set, o.hosts, 0, 1, o.seed);
      System.out.printf("%n%s %s%n", tag, fault == null ? "the herd without a fault" : fault.title());
      try (nodes) {
        Files.createDirectories(dir);
        nodes.start(context);
        List<String> proxies = new ArrayList<>();
        for (int i = 1; i <= o.hosts; i++) {
          proxies.add(nodes.proxyFor(i));
        }
        List<Clients.HostClient> hostClients = clients.prepare(lan.hosts(), proxies, dir.resolve("clients"));
        nodes.beforeWorkload();
        Rig rig = new Rig(cleanup, lan, upstream, nodes, set, upstreamTimeout);
        CompletableFuture<Void> injected = fault == null ? CompletableFuture.completedFuture(null)
            : CompletableFuture.runAsync(() -> {
              try {
                fault.inject(rig);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
              }
            });
        long wire0 = lan.upstreamTxBytes();
        Clients.Run run = clients.run(hostClients, plan.wants(), "herd", Duration.ofSeconds(600));
        try {
          injected.get(FAULT_GRACE.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          problems.add("the fault could not be injected: " + e.getCause().getMessage());
        }
        r.put("makespanSeconds", round(run.makespanSeconds()));
        List<Integer> hit = fault == null ? List.of() : fault.hostsHit(rig);
        r.put("hostsHit", hit);
        nodes.afterWorkload();
        // The upstream link's counter (frames, headers included): nginx's log counts an aborted response
        // as what it had handed to the kernel, which may be far more than reached the node it fed.
        long wire = lan.upstreamTxBytes() - wire0;
        r.put("upstreamWireBytes", wire);
        r.put("upstreamPerUnique", round((double) wire / set.uniqueBytes()));

        // Apt's errors on the hosts the fault did not hit: failed runs, and error or warning lines.
        long aptErrors = 0;
        for (Clients.HostRun h : run.hosts()) {
          if (hit.contains(h.host())) {
            continue;
          }
          long lines = h.log().lines().filter(l -> l.startsWith("E:") || l.startsWith("W:")).count();
          aptErrors += Math.max(0, h.attempts() - 1) + (h.exitCode() != 0 ? 1 : 0) + lines;
        }
        r.put("aptErrors", aptErrors);
        List<String> fileProblems = clients.verify(run.hosts(), plan.wants()).stream()
            .filter(p -> hit.stream().noneMatch(h -> p.startsWith("host " + h + ",") || p.startsWith("host " + h + ":")))
            .toList();
        problems.addAll(fileProblems);
        int files = set.count() * (o.hosts - hit.size());
        r.put("filesChecked", files);
        r.put("filesVerified", files - fileProblems.stream().filter(p -> !p.contains("client exited")).count());
        if (aptErrors > 0) {
          problems.add(aptErrors + " apt errors on hosts the fault did not hit");
        }

        // Hosts the fault hit whose node is up again fetch again, and must now get everything.
        List<Clients.HostClient> again = new ArrayList<>();
        List<WorkloadPlan.HostWants> againWants = new ArrayList<>();
        for (int h : hit) {
          if (nodes.node(h).isAlive()) {
            again.add(hostClients.get(h - 1));
            againWants.add(plan.wants().get(h - 1));
          }
        }
        if (!again.isEmpty()) {
          Clients.Run second = clients.run(again, againWants, "again", Duration.ofSeconds(300));
          List<String> secondProblems = clients.verify(second.hosts(), againWants);
          r.put("hitHostsAfterward", secondProblems.isEmpty() ? "every file verified" : secondProblems);
          secondProblems.forEach(p -> problems.add("afterward: " + p));
        }

        upstreamFigures(r, rig);
        sameBodies(rig, problems);
        if (fault != null) {
          fault.check(rig, problems);
          r.put("fault", rig.notes());
        }
        if (fault != null && fault.id().equals("fetcher-kill")
            && (Double) r.get("upstreamPerUnique") > UPSTREAM_TARGET) {
          problems.add("upstream sent " + r.get("upstreamPerUnique") + " x the unique bytes, above " + UPSTREAM_TARGET);
        }
      } catch (Exception e) {
        problems.add(tag + " failed: " + e);
        e.printStackTrace();
        r.putIfAbsent("makespanSeconds", Double.NaN);
      } finally {
        Path kept = Files.createDirectories(logs.resolve(id));
        for (Path log : nodes.logs()) {
          copy(log, kept.resolve(log.getFileName()));
        }
        for (int h = 1; h <= o.hosts; h++) {
          for (String label : List.of("herd", "again")) {
            copy(dir.resolve("clients").resolve("h" + h).resolve(label + ".log"), kept.resolve("apt-h" + h + "-" + label + ".log"));
          }
        }
        cleanup.delete(dir);
      }
      r.put("ok", problems.isEmpty());
      System.out.printf("%s makespan %s s, upstream %s x unique, apt errors %s, problems %d%n", tag, r.get("makespanSeconds"),
          r.get("upstreamPerUnique"), r.get("aptErrors"), problems.size());
      problems.stream().limit(10).forEach(p -> System.out.println("  PROBLEM: " + p));
      if (r.get("fault") != null) {
        System.out.println("  fault: " + Json.write(r.get("fault")).replaceAll("\\s+", " "));
      }
      return r;
    }

    /** Package bytes the upstream's log says it sent, against the unique bytes, and GETs of package files. */
    private void upstreamFigures(Map<String, Object> r, Rig rig) throws IOException {
      long bytes = 0;
      long gets = 0;
      for (Upstream.Entry e : rig.upstreamEntries()) {
        if (e.path().endsWith(".deb")) {
          bytes += e.bodyBytes();
          gets++;
        }
      }
      r.put("upstreamPackageBytes", bytes);
      r.put("upstreamPackageGets", gets);
      r.put("uniqueBytes", set.uniqueBytes());
      r.put("upstreamLoggedPerUnique", round((double) bytes / set.uniqueBytes()));
    }

    /** No two live hosts hold different bodies for one file, and every complete copy has the index's digest. */
    private void sameBodies(Rig rig, List<String> problems) throws IOException, InterruptedException {
      for (PackageSet.Package pkg : set.packages()) {
        Set<String> digests = new HashSet<>();
        Map<Integer, String> byHost = new HashMap<>();
        for (Rig.Copy c : rig.copies(pkg)) {
          if (c.complete() && c.sha256() != null) {
            digests.add(c.sha256());
            byHost.put(c.host(), c.sha256());
          }
        }
        if (digests.size() > 1 || (!digests.isEmpty() && !digests.contains(pkg.sha256()))) {
          problems.add(pkg.path() + ": hosts hold other bodies than the signed index's " + pkg.sha256() + ": " + byHost);
        }
      }
    }

    private static void copy(Path from, Path to) {
      try {
        if (Files.exists(from)) {
          Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        System.err.println("could not keep " + from + ": " + e);
      }
    }
  }
}
