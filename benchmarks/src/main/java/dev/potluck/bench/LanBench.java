package dev.potluck.bench;

import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.harness.CpuAccount;
import dev.potluck.bench.harness.Digests;
import dev.potluck.bench.harness.Json;
import dev.potluck.bench.harness.Machine;
import dev.potluck.bench.harness.Stats;
import dev.potluck.bench.harness.Table;
import dev.potluck.bench.harness.Watchdog;
import dev.potluck.bench.lan.Clients;
import dev.potluck.bench.lan.DirectSystem;
import dev.potluck.bench.lan.Lan;
import dev.potluck.bench.lan.LanCharts;
import dev.potluck.bench.lan.LanSystem;
import dev.potluck.bench.lan.LinkMeter;
import dev.potluck.bench.lan.Namespace;
import dev.potluck.bench.lan.PackageSet;
import dev.potluck.bench.lan.PotluckSystem;
import dev.potluck.bench.lan.ProxySystem;
import dev.potluck.bench.lan.Upstream;
import dev.potluck.bench.lan.WorkloadPlan;
import dev.potluck.testkit.apt.AptRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The LAN benchmark: N hosts and an upstream mirror as network namespaces on one bridge, the upstream
 * behind a shaped WAN link, every host behind a shaped LAN port (see {@link Lan}). The upstream's nginx
 * serves a real signed apt repository the benchmark builds ({@link AptRepository}). Each workload
 * ({@link WorkloadPlan}) runs once per system, one system after the other, each started afresh (cold
 * caches) for each workload:
 *
 * <ul>
 *   <li>{@code direct}: every host's client fetches from upstream itself ({@link DirectSystem});
 *   <li>{@code proxy}: apt-cacher-ng on host 1, the proxy of every host's client ({@link ProxySystem});
 *   <li>{@code potluck}: a node in every host, found by mDNS; each client uses its node as its proxy
 *       ({@link PotluckSystem}).
 * </ul>
 *
 * <p>Clients are real {@code apt-get} runs with a state of their own per host, or curl ({@link Clients}).
 * Measured per system and workload: the makespan (from the release until the last host has its last
 * package), upstream bytes (nginx's access log, and the upstream link's counter), bytes each host's LAN
 * port sent, control messages, memory. Every file every host received is checked against the
 * repository's SHA-256; a mismatch or a missing file fails the run.
 *
 * <p>Prints a table per workload, writes everything as JSON, and an HTML report with charts
 * ({@link LanCharts}). Every process it starts is stopped by PID and every namespace deleted, in finally
 * blocks and, failing those, by a shutdown hook; a watchdog bounds the run. Exit status: 0 when every
 * system ran and every file checked out, 1 otherwise, 2 on bad usage, 3 when the watchdog fired.
 */
public final class LanBench {

  /** Design target: makespan within 1.15 x the ideal (workload a). */
  static final double MAKESPAN_TARGET = 1.15;
  /** Design target: node RSS under 256 MiB. */
  static final long RSS_TARGET_MIB = 256;
  /** How often the upstream link's counter is read during a workload. */
  private static final long WAN_SAMPLE_MILLIS = 100;
  /** A sampling interval in which the WAN carried less than this fraction of its rate counts as idle. */
  static final double WAN_IDLE_FRACTION = 0.1;
  /** Time kept back from --max-seconds for stopping and cleaning up after a workload that overruns. */
  private static final long CLEANUP_RESERVE_SECONDS = 30;

  private LanBench() {}

  public static void main(String[] args) {
    LanOptions options;
    try {
      options = LanOptions.parse(args);
    } catch (BenchOptions.UsageException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(LanOptions.usage());
      System.exit(2);
      return;
    }
    if (options == null) {
      System.exit(0);
      return;
    }
    // Charts are drawn off screen.
    System.setProperty("java.awt.headless", "true");
    Cleanup cleanup = new Cleanup();
    cleanup.installShutdownHook();
    Watchdog.start(options.maxSeconds);
    int status;
    try {
      status = run(options, cleanup);
    } catch (Exception e) {
      System.err.println("benchmark failed: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  private static int run(LanOptions o, Cleanup cleanup) throws Exception {
    long started = System.nanoTime();
    long deadline = started + (o.maxSeconds - CLEANUP_RESERVE_SECONDS) * 1_000_000_000L;
    checkPrerequisites(o, cleanup);
    List<String> swept = Lan.sweepStale();
    if (!swept.isEmpty()) {
      System.out.println("deleted namespaces a killed run left behind: " + String.join(" ", swept));
    }
    Path workDir = cleanup.newTempDir(o.tmp, "potluck-lan-");
    // Traversable by nginx's unprivileged workers, and so must every folder above it be.
    Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Path p = workDir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
        throw new IOException("--tmp " + o.tmp + ": nginx's workers cannot reach the repository, " + p
            + " is not searchable by others; give another --tmp");
      }
    }
    Path jar = workDir.resolve("potluck.jar");
    boolean haveJar = Files.isRegularFile(o.jar);
    if (haveJar) {
      Files.copy(o.jar, jar, StandardCopyOption.REPLACE_EXISTING);
    }
    Path logs = prepareLogDir(o.logs);

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", "lan");
    report.put("startedAt", Instant.now().toString());
    report.put("machine", Machine.describe());
    report.put("loadAverageAtStart", Machine.loadAverage());
    Map<String, Object> nodeInfo = new LinkedHashMap<>();
    nodeInfo.put("jar", o.jar.toAbsolutePath().normalize().toString());
    nodeInfo.put("jarSha256", haveJar ? Digests.sha256Hex(jar) : "-");
    nodeInfo.put("jarModified", haveJar ? Files.getLastModifiedTime(o.jar).toInstant().toString() : "-");
    report.put("node", nodeInfo);
    report.put("settings", o.toMap());
    Map<String, Object> results = new LinkedHashMap<>();
    boolean failed = false;

    Map<?, ?> machine = (Map<?, ?>) report.get("machine");
    System.out.printf("Potluck LAN benchmark: %s CPUs (%s), %s RAM, %s%n", machine.get("nproc"), machine.get("cpu"),
        BenchOptions.human((Long) machine.get("memTotalBytes")), machine.get("java"));
    System.out.printf("node jar %s (sha256 %s), node JVM options: %s%n", o.jar,
        String.valueOf(nodeInfo.get("jarSha256")).substring(0, Math.min(12, String.valueOf(nodeInfo.get("jarSha256")).length())), String.join(" ", o.nodeJvmOptions()));

    List<Long> sizes = o.sizes != null ? o.sizes : PackageSet.spreadSizes(o.packages, o.totalBytes(), o.seed);
    List<AptRepository.Spec> specs = new ArrayList<>(PackageSet.specs("pkg", sizes));
    if (o.warmupBytes() > 0) {
      specs.addAll(PackageSet.specs("warm", PackageSet.spreadSizes(LanOptions.WARMUP_PACKAGES, o.warmupBytes(), o.seed + 1)));
    }
    long t0 = System.nanoTime();
    AptRepository repository = AptRepository.create(workDir.resolve("repo"), specs, o.seed);
    PackageSet set = PackageSet.of(repository, "pkg");
    PackageSet warmup = o.warmupBytes() == 0 ? null : PackageSet.of(repository, "warm");
    System.out.printf("signed apt repository of %d packages built in %.1f s%n", repository.packages().size(),
        (System.nanoTime() - t0) / 1e9);
    report.put("packageSet", packageSetJson(set));

    try (Lan lan = Lan.create(cleanup, o.hosts, o.wanMbit, o.lanMbit, o.wanDelay())) {
      Lan.Shaping shaping = lan.shaping();
      if (o.wanDelay() > 0 && shaping.wanDelayMs() == 0) {
        if (o.wanDelayGiven()) {
          throw new IOException("--wan-delay-ms " + o.wanDelay() + " needs tc's netem, which this kernel does not have");
        }
        System.out.println("warning: this kernel has no netem (tc); the WAN runs without added delay");
      }
      Map<String, Object> lanJson = new LinkedHashMap<>();
      lanJson.put("hosts", o.hosts);
      lanJson.put("subnet", Lan.SUBNET + ".0/24");
      lanJson.put("upstreamAddress", lan.upstreamAddress());
      lanJson.put("wanMbitPerSecond", shaping.wanMbit());
      lanJson.put("lanMbitPerSecond", shaping.lanMbit());
      lanJson.put("wanDelayMsEachWay", shaping.wanDelayMs());
      lanJson.put("shaping", "HTB (rate = ceil) on the egress of both ends of every veth; WAN: upstream e0 and its bridge port"
          + (shaping.wanDelayMs() > 0 ? ", each with netem delay" : "") + "; LAN: each host's e0 and its bridge port");
      report.put("lan", lanJson);
      System.out.printf("%d hosts, %d packages of %s to %s, %s in all; WAN %s Mbit/s (delay %d ms each way), LAN %s Mbit/s per host;"
          + " clients: %s%n", o.hosts, set.count(), BenchOptions.human(set.smallest()), BenchOptions.human(set.largest()),
          BenchOptions.human(set.uniqueBytes()), fmt(o.wanMbit), shaping.wanDelayMs(), fmt(o.lanMbit), o.client);

      Namespace firstHost = lan.hosts().get(0);
      try (Upstream upstream = Upstream.start(cleanup, o.nginx, lan.upstream(), lan.upstreamAddress(),
          workDir.resolve("nginx"), repository.root(), firstHost, "dists/" + AptRepository.SUITE + "/InRelease",
          Duration.ofSeconds(30))) {
        for (String id : o.workloads) {
          WorkloadPlan plan = WorkloadPlan.of(id, set, o.hosts, o.staggerSeconds, o.overlap, o.seed);
          double ideal = plan.idealSeconds(o.wanBytesPerSecond(), o.lanBytesPerSecond());
          Map<String, Object> workloadJson = new LinkedHashMap<>();
          workloadJson.put("title", plan.title());
          workloadJson.put("uniqueBytes", plan.uniqueBytes());
          workloadJson.put("filesWanted", plan.filesWanted());
          workloadJson.put("idealSeconds", round(ideal));
          workloadJson.put("hostStartSeconds", plan.wants().stream().map(w -> round(w.startSeconds())).toList());
          workloadJson.put("hostWantedBytes", plan.wants().stream().map(w -> w.packages().uniqueBytes()).toList());
          Map<String, Object> systemsJson = new LinkedHashMap<>();
          workloadJson.put("systems", systemsJson);
          results.put(id, workloadJson);
          System.out.printf("%n=== workload %s: %s; %s unique, ideal %.1f s ===%n", id, plan.title(),
              BenchOptions.human(plan.uniqueBytes()), ideal);
          for (String name : o.systems) {
            LanSystem system = switch (name) {
              case "direct" -> new DirectSystem();
              case "proxy" -> new ProxySystem(o.aptCacherNg);
              case "potluck" -> new PotluckSystem();
              default -> throw new IllegalStateException("no system " + name);
            };
            String runId = "lanbench-" + ProcessHandle.current().pid() + "-" + id + "-" + name;
            LanSystem.Context context = new LanSystem.Context(cleanup, lan, workDir.resolve(id + "-" + name), jar,
                o.nodeJvmOptions(), o.nodeLogLevel, Duration.ofSeconds(o.readyTimeoutSeconds), runId,
                repository.keyring());
            Map<String, Object> result = runSystem(o, system, context, upstream, repository, plan, warmup, ideal, deadline,
                logs.resolve(id));
            systemsJson.put(name, result);
            failed |= !Boolean.TRUE.equals(result.get("ok"));
          }
          printTable(id, plan, systemsJson, o.systems);
        }
        copy(upstream.accessLog(), logs.resolve("nginx-access.log"));
      }
    } finally {
      cleanup.delete(workDir);
    }
    report.put("workloads", results);
    double seconds = (System.nanoTime() - started) / 1e9;
    report.put("elapsedSeconds", round(seconds));
    report.put("loadAverageAtEnd", Machine.loadAverage());
    report.put("complete", !failed);

    Path out = o.out.toAbsolutePath();
    Files.createDirectories(out.getParent());
    Files.writeString(out, Json.write(report), StandardCharsets.UTF_8);
    Path html = LanCharts.write(report, o.report.toAbsolutePath());
    System.out.printf("%nresults: %s%nreport: %s%nlogs: %s (%.0f s)%n", out, html, logs, seconds);
    return failed ? 1 : 0;
  }

  /**
   * One system through one workload, started afresh. A failure is reported and recorded ({@code ok}
   * false with the error), and the next system still runs.
   */
  private static Map<String, Object> runSystem(LanOptions o, LanSystem system, LanSystem.Context context,
      Upstream upstream, AptRepository repository, WorkloadPlan plan, PackageSet warmup, double idealSeconds, long deadline,
      Path logs) throws IOException {
    Map<String, Object> r = new LinkedHashMap<>();
    String name = system.name();
    String tag = "[" + plan.id() + "/" + name + "]";
    Lan lan = context.lan();
    Path clientDir = context.workDir().resolve("clients");
    Duration transferTimeout = Duration.ofSeconds(o.requestTimeoutSeconds);
    Clients clients = new Clients(o.client, context.cleanup(), upstream.baseUrl(), repository.sourcesLine(upstream.baseUrl()),
        transferTimeout);
    System.out.printf("%s starting...%n", tag);
    try (system) {
      Files.createDirectories(clientDir);
      long t0 = System.nanoTime();
      system.start(context);
      r.put("startSeconds", round((System.nanoTime() - t0) / 1e9));
      int n = lan.hosts().size();
      List<String> proxies = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        proxies.add(system.proxyFor(i));
      }
      long u0 = System.nanoTime();
      List<Clients.HostClient> hostClients = clients.prepare(lan.hosts(), proxies, clientDir.resolve("hosts"));
      if (o.client.equals("apt")) {
        r.put("aptUpdateSeconds", round((System.nanoTime() - u0) / 1e9));
      }
      System.out.printf("%s ready after %.1f s%n", tag, (System.nanoTime() - t0) / 1e9);
      if (warmup != null) {
        // The same kind of workload on other packages, not measured: a fresh JVM runs its first requests
        // in the interpreter, and a node that has served before is the common case.
        long w0 = System.nanoTime();
        List<WorkloadPlan.HostWants> wants = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          wants.add(new WorkloadPlan.HostWants(i, 0, warmup));
        }
        system.beforeWorkload();
        Clients.Run warm = clients.run(hostClients, wants, "warmup", timeLeft(o, deadline));
        system.afterWorkload();
        List<String> problems = clients.verify(warm.hosts(), wants);
        if (!problems.isEmpty()) {
          throw new IOException("warm-up: " + problems.size() + " problems, the first: " + problems.get(0));
        }
        r.put("warmupSeconds", round((System.nanoTime() - w0) / 1e9));
      }
      boolean warmHost = plan.warmFirstHost() && proxies.get(0) != null;
      r.put("firstHostWarm", warmHost);
      if (warmHost) {
        // Host 1's cache (its node, or the central proxy) gets the whole set through a client of its own.
        long w0 = System.nanoTime();
        List<Clients.HostClient> filler = clients.prepare(List.of(lan.hosts().get(0)), List.of(proxies.get(0)),
            clientDir.resolve("fill"));
        List<WorkloadPlan.HostWants> wants = List.of(new WorkloadPlan.HostWants(1, 0, plan.wants().get(0).packages()));
        system.beforeWorkload();
        Clients.Run fill = clients.run(filler, wants, "fill", timeLeft(o, deadline));
        system.afterWorkload();
        List<String> problems = clients.verify(fill.hosts(), wants);
        if (!problems.isEmpty()) {
          throw new IOException("filling host 1's cache: " + problems.size() + " problems, the first: " + problems.get(0));
        }
        r.put("fillSeconds", round((System.nanoTime() - w0) / 1e9));
      }
      long logOffset = upstream.logOffset();
      long txBefore = lan.upstreamTxBytes();
      long[] hostTxBefore = hostTx(lan);
      system.beforeWorkload();
      CpuAccount cpuBefore = CpuAccount.nowWithDescendants();
      System.out.printf("%s %d clients fetching...%n", tag, n);
      Duration overall = timeLeft(o, deadline);
      Clients.Run run;
      try (LinkMeter wan = LinkMeter.start(upstream.pid(), "e0", WAN_SAMPLE_MILLIS)) {
        run = clients.run(hostClients, plan.wants(), "workload", overall);
        wan.close();
        long end = run.releasedNanos() + (long) (run.makespanSeconds() * 1e9);
        double idle = wan.secondsBelow(WAN_IDLE_FRACTION * o.wanBytesPerSecond(), run.releasedNanos(), end);
        r.put("wanIdleSeconds", round(idle));
        r.put("wanIdleFraction", round(idle / run.makespanSeconds()));
        r.put("wanBytesPerSample", wan.series(run.releasedNanos()));
        r.put("wanSampleMillis", WAN_SAMPLE_MILLIS);
      }
      List<Clients.HostRun> runs = run.hosts();
      CpuAccount cpuAfter = CpuAccount.nowWithDescendants();
      LanSystem.Report report = system.afterWorkload();
      long[] hostTxAfter = hostTx(lan);
      List<Upstream.Entry> entries = upstream.entriesSince(logOffset);
      long wire = lan.upstreamTxBytes() - txBefore;
      List<String> problems = clients.verify(runs, plan.wants());
      List<Long> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        sent.add(hostTxAfter[i] - hostTxBefore[i]);
      }
      figures(r, plan, idealSeconds, runs, report, entries, wire, sent);
      if (cpuBefore != null && cpuAfter != null) {
        r.put("otherProcessesCpuSeconds", round(cpuAfter.othersSince(cpuBefore)));
        r.put("stealCpuSeconds", round(cpuAfter.stealSince(cpuBefore)));
      }
      int files = plan.filesWanted();
      long bad = problems.stream().filter(p -> !p.contains("client exited")).count();
      r.put("filesChecked", files);
      r.put("filesVerified", files - bad);
      r.put("fileProblems", problems.stream().limit(50).toList());
      r.put("fileProblemCount", problems.size());
      r.put("ok", problems.isEmpty());
      System.out.printf("%s makespan %.1f s (ideal %.1f s); upstream %s; %d of %d files verified%n", tag,
          (Double) r.get("makespanSeconds"), idealSeconds,
          BenchOptions.human((Long) ((Map<?, ?>) r.get("upstream")).get("bodyBytes")), files - bad, files);
      for (String p : problems.stream().limit(10).toList()) {
        System.out.println("  CHECK FAILED: " + p);
      }
      if (problems.size() > 10) {
        System.out.println("  ... and " + (problems.size() - 10) + " more");
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      System.out.println(tag + " FAILED: " + e);
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      System.err.println(trace);
      r.put("ok", false);
      r.put("error", e.toString());
    } finally {
      Path dir = logs.resolve(name);
      Files.createDirectories(dir);
      for (Path log : system.logs()) {
        copy(log, dir.resolve(log.getFileName()));
      }
      for (Path hostDir : List.of(clientDir.resolve("hosts"), clientDir.resolve("fill"))) {
        if (Files.isDirectory(hostDir)) {
          try (Stream<Path> hosts = Files.list(hostDir)) {
            for (Path h : hosts.toList()) {
              try (Stream<Path> files = Files.list(h)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".transfers") || p.toString().endsWith(".log")).toList()) {
                  copy(f, dir.resolve(hostDir.getFileName() + "-" + h.getFileName() + "-" + f.getFileName()));
                }
              }
            }
          }
        }
      }
      // The clients' copies: up to hosts x the set; not kept.
      context.cleanup().delete(context.workDir());
    }
    return r;
  }

  /** Bytes each host's {@code e0} has sent so far, host 1 first. */
  private static long[] hostTx(Lan lan) throws IOException, InterruptedException {
    List<Namespace> hosts = lan.hosts();
    long[] tx = new long[hosts.size()];
    for (int i = 0; i < tx.length; i++) {
      tx[i] = lan.txBytes(hosts.get(i));
    }
    return tx;
  }

  /** What is left of --max-seconds for a workload, keeping the reserve for stopping and cleaning up. */
  private static Duration timeLeft(LanOptions o, long deadline) throws TimeoutException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new TimeoutException("--max-seconds " + o.maxSeconds + " leaves no time for the workload (" + CLEANUP_RESERVE_SECONDS
          + " s are kept for cleaning up)");
    }
    return Duration.ofNanos(left);
  }

  private static void figures(Map<String, Object> r, WorkloadPlan plan, double idealSeconds, List<Clients.HostRun> runs,
      LanSystem.Report report, List<Upstream.Entry> entries, long wireBytes, List<Long> sentByHost) {
    long unique = plan.uniqueBytes();
    List<Double> done = runs.stream().map(Clients.HostRun::doneSeconds).toList();
    double makespan = done.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    Stats doneStats = Stats.of(done);
    r.put("makespanSeconds", round(makespan));
    r.put("makespanOverIdeal", round(makespan / idealSeconds));
    r.put("hostDoneSeconds", Map.of("first", round(doneStats.min()), "median", round(doneStats.median()),
        "last", round(doneStats.max())));
    r.put("perHostDoneSeconds", done.stream().map(LanBench::round).toList());
    r.put("perHostFetchSeconds", runs.stream().map(h -> round(h.doneSeconds() - h.startSeconds())).toList());
    r.put("clientExitCodes", runs.stream().map(Clients.HostRun::exitCode).toList());
    r.put("clientAttempts", runs.stream().map(Clients.HostRun::attempts).toList());
    r.put("clientReruns", runs.stream().mapToInt(h -> Math.max(0, h.attempts() - 1)).sum());

    // Upstream: what nginx logged (GETs; a node's take-over resumes with a Range GET, logged as 206).
    long body = 0;
    long sent = 0;
    Map<String, Long> byHost = new TreeMap<>(Comparator.comparingInt(LanBench::lastOctet));
    Map<String, Integer> getsPerPath = new TreeMap<>();
    int gets = 0;
    for (Upstream.Entry e : entries) {
      body += e.bodyBytes();
      sent += e.bytesSent();
      byHost.merge(e.remoteAddress(), e.bodyBytes(), Long::sum);
      if (e.method().equals("GET") && e.path().endsWith(".deb")) {
        gets++;
        getsPerPath.merge(e.path(), 1, Integer::sum);
      }
    }
    Map<String, Object> up = new LinkedHashMap<>();
    up.put("requests", entries.size());
    up.put("packageGets", gets);
    up.put("bodyBytes", body);
    up.put("bytesSent", sent);
    up.put("bodyOverUnique", round(body / (double) unique));
    up.put("wireBytes", wireBytes);
    up.put("wireOverUnique", round(wireBytes / (double) unique));
    up.put("hostsFetching", byHost.values().stream().filter(b -> b > 0).count());
    up.put("bodyBytesByHost", byHost);
    up.put("objectsFetchedMoreThanOnce", getsPerPath.values().stream().filter(c -> c > 1).count());
    Map<String, Integer> repeated = new TreeMap<>();
    getsPerPath.forEach((path, c) -> {
      if (c > 1) {
        repeated.put(path, c);
      }
    });
    up.put("repeatedGets", repeated);
    r.put("upstream", up);

    // What each host's LAN port sent: uploads to other hosts, plus requests and ACKs of its own fetches.
    long maxUp = sentByHost.stream().mapToLong(Long::longValue).max().orElse(0);
    double meanUp = sentByHost.stream().mapToLong(Long::longValue).average().orElse(0);
    Map<String, Object> uploads = new LinkedHashMap<>();
    uploads.put("perHostBytes", sentByHost);
    uploads.put("maxBytes", maxUp);
    uploads.put("meanBytes", round(meanUp));
    uploads.put("maxOverMean", meanUp > 0 ? round(maxUp / meanUp) : null);
    uploads.put("systemCountedPerHostBytes", report.uploadedBytes());
    r.put("uploads", uploads);

    r.put("systemCpuSeconds", report.cpuSeconds() == null ? null : round(report.cpuSeconds()));
    r.put("controlMessages", report.controlMessages());
    r.put("controlMessagesPerObject", report.controlMessages() == null ? null
        : round(report.controlMessages() / (double) Math.max(1, distinctPackages(plan))));
    long peak = report.peakRssKiB().values().stream().mapToLong(Long::longValue).max().orElse(-1);
    r.put("peakRssKiB", peak < 0 ? null : peak);
    r.put("peakRssKiBByProcess", report.peakRssKiB());
    Map<String, Long> answers = new TreeMap<>();
    for (Clients.HostRun run : runs) {
      for (Clients.Transfer t : run.transfers()) {
        answers.merge(t.cache() == null ? "(none)" : t.cache(), 1L, Long::sum);
      }
    }
    if (answers.isEmpty() && report.details().get("answers") instanceof Map<?, ?> m) {
      // apt prints no headers: the nodes' own count of their answers to clients.
      m.forEach((k, v) -> answers.put(String.valueOf(k), ((Number) v).longValue()));
    }
    r.put("cacheAnswers", answers);
    r.put("details", report.details());
  }

  private static int distinctPackages(WorkloadPlan plan) {
    return (int) plan.wants().stream().flatMap(w -> w.packages().names().stream()).distinct().count();
  }

  private static void printTable(String id, WorkloadPlan plan, Map<String, Object> results, List<String> systems) {
    System.out.println();
    System.out.println("workload " + id + ": " + plan.title());
    List<String> header = new ArrayList<>(List.of("figure"));
    header.addAll(systems);
    header.add("target");
    Table table = new Table(header.toArray(String[]::new));
    row(table, systems, results, "makespan, s", "", r -> fmt2(r.get("makespanSeconds")));
    row(table, systems, results, "makespan / ideal", id.equals("a") ? "<= " + MAKESPAN_TARGET : "",
        r -> fmt2(r.get("makespanOverIdeal")));
    row(table, systems, results, "hosts done: first / median, s", "",
        r -> r.get("hostDoneSeconds") instanceof Map<?, ?> d ? fmt2(d.get("first")) + " / " + fmt2(d.get("median")) : "-");
    row(table, systems, results, "WAN idle (< 10% of its rate), % of makespan", "",
        r -> r.get("wanIdleFraction") instanceof Number f ? String.format(Locale.ROOT, "%.0f", f.doubleValue() * 100) : "-");
    row(table, systems, results, "upstream bytes / unique bytes (link counter)", id.equals("d") ? "0.00" : "1.00",
        r -> r.get("upstream") instanceof Map<?, ?> u ? fmt2(u.get("wireOverUnique")) : "-");
    row(table, systems, results, "  same, nginx's body bytes (aborted ones in full)", "",
        r -> r.get("upstream") instanceof Map<?, ?> u ? fmt2(u.get("bodyOverUnique")) : "-");
    row(table, systems, results, "hosts that fetched from upstream", "",
        r -> r.get("upstream") instanceof Map<?, ?> u ? String.valueOf(u.get("hostsFetching")) : "-");
    row(table, systems, results, "packages fetched upstream twice or more", "0",
        r -> r.get("upstream") instanceof Map<?, ?> u ? String.valueOf(u.get("objectsFetchedMoreThanOnce")) : "-");
    row(table, systems, results, "sent by each host's LAN port: max / mean, MiB", "",
        r -> r.get("uploads") instanceof Map<?, ?> u ? mib(u.get("maxBytes")) + " / " + mib(u.get("meanBytes")) : "-");
    row(table, systems, results, "  max / mean", "",
        r -> r.get("uploads") instanceof Map<?, ?> u ? fmt2(u.get("maxOverMean")) : "-");
    row(table, systems, results, "control messages per object", "",
        r -> fmt2(r.get("controlMessagesPerObject")));
    row(table, systems, results, "CPU of the system's processes, CPU-s", "",
        r -> fmt2(r.get("systemCpuSeconds")));
    row(table, systems, results, "peak RSS (VmHWM, max), MiB", "< " + RSS_TARGET_MIB,
        r -> r.get("peakRssKiB") instanceof Number k ? String.format(Locale.ROOT, "%.0f", k.doubleValue() / 1024) : "-");
    row(table, systems, results, "answers to clients (X-Potluck-Cache)", "", r -> answers(r.get("cacheAnswers")));
    row(table, systems, results, "client re-runs after a failure", "0", r -> String.valueOf(r.get("clientReruns")));
    row(table, systems, results, "files verified (SHA-256)", "all", r -> r.get("filesChecked") == null ? "-"
        : r.get("filesVerified") + " / " + r.get("filesChecked"));
    row(table, systems, results, "other processes' CPU / steal, CPU-s", "",
        r -> r.get("otherProcessesCpuSeconds") == null ? "-"
            : fmt2(r.get("otherProcessesCpuSeconds")) + " / " + fmt2(r.get("stealCpuSeconds")));
    table.print(System.out);
    results.forEach((name, r) -> {
      if (r instanceof Map<?, ?> m && m.get("error") != null) {
        System.out.println("  " + name + ": FAILED (" + String.valueOf(m.get("error")).lines().findFirst().orElse("") + ")");
      }
    });
  }

  private interface Cell {
    String of(Map<?, ?> result);
  }

  private static void row(Table table, List<String> systems, Map<String, Object> results, String figure, String target, Cell cell) {
    List<String> cells = new ArrayList<>(List.of(figure));
    for (String s : systems) {
      cells.add(results.get(s) instanceof Map<?, ?> r && r.get("error") == null ? cell.of(r) : "-");
    }
    cells.add(target);
    table.row(cells.toArray());
  }

  private static String answers(Object value) {
    if (!(value instanceof Map<?, ?> m) || m.isEmpty()) {
      return "-";
    }
    if (m.size() == 1 && m.containsKey("(none)")) {
      return "-";
    }
    StringBuilder out = new StringBuilder();
    m.forEach((k, v) -> out.append(out.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
    return out.toString();
  }

  private static String fmt2(Object value) {
    return value instanceof Number n ? String.format(Locale.ROOT, "%.2f", n.doubleValue()) : "-";
  }

  private static String mib(Object value) {
    return value instanceof Number n ? String.format(Locale.ROOT, "%.1f", n.doubleValue() / 1048576) : "-";
  }

  private static String fmt(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  private static int lastOctet(String address) {
    try {
      return Integer.parseInt(address.substring(address.lastIndexOf('.') + 1));
    } catch (RuntimeException e) {
      return Integer.MAX_VALUE;
    }
  }

  private static Map<String, Object> packageSetJson(PackageSet set) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", set.count());
    m.put("uniqueBytes", set.uniqueBytes());
    m.put("smallestBytes", set.smallest());
    m.put("largestBytes", set.largest());
    List<Object> list = new ArrayList<>();
    for (PackageSet.Package p : set.packages()) {
      list.add(Map.of("name", p.name(), "path", p.path(), "size", p.size(), "sha256", p.sha256()));
    }
    m.put("packages", list);
    return m;
  }

  private static void checkPrerequisites(LanOptions o, Cleanup cleanup) throws IOException, InterruptedException {
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new IOException("the LAN benchmark builds network namespaces and needs root; running as "
          + System.getProperty("user.name"));
    }
    if (o.systems.contains("potluck") && !Files.isRegularFile(o.jar)) {
      throw new IOException("node jar not found: " + o.jar.toAbsolutePath() + " (build with mvn -B -q package -DskipTests)");
    }
    if (!Files.isExecutable(o.nginx)) {
      throw new IOException("nginx not found at " + o.nginx + " (Debian: apt-get install nginx-light, or --nginx PATH)");
    }
    if (o.systems.contains("proxy") && !Files.isExecutable(o.aptCacherNg)) {
      throw new IOException("apt-cacher-ng not found at " + o.aptCacherNg
          + " (Debian: apt-get install apt-cacher-ng, or --apt-cacher-ng PATH, or leave proxy out of --systems)");
    }
    List<List<String>> probes = new ArrayList<>(List.of(List.of("ip", "netns", "list"), List.of("tc", "-V"),
        List.of("curl", "--version"), List.of("mkfifo", "--version"),
        // The repository is built with Debian's own tools.
        List.of("dpkg-deb", "--version"), List.of("apt-ftparchive", "--version"), List.of("gpg", "--version")));
    if (o.client.equals("apt")) {
      probes.add(List.of("apt-get", "--version"));
    }
    for (List<String> probe : probes) {
      Namespace.Result r;
      try {
        r = Namespace.root(cleanup, Duration.ofSeconds(10), probe);
      } catch (IOException e) {
        r = new Namespace.Result(-1, e.getMessage());
      }
      if (!r.ok()) {
        throw new IOException("'" + String.join(" ", probe) + "' failed; the LAN benchmark needs iproute2 (ip, tc), curl,"
            + " coreutils, apt, apt-utils, dpkg-dev and gnupg: " + r.output().trim());
      }
    }
  }

  /**
   * The log directory, emptied of a previous run's logs. Only a directory this benchmark made (it holds
   * a marker file) is emptied; any other must not exist yet or be empty.
   */
  private static Path prepareLogDir(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath();
    Path marker = abs.resolve(".potluck-lan-logs");
    if (Files.isDirectory(abs)) {
      try (Stream<Path> entries = Files.list(abs)) {
        if (entries.findAny().isPresent() && !Files.exists(marker)) {
          throw new IOException("--logs " + abs + " is not empty and was not made by this benchmark; give another directory");
        }
      }
      try (Stream<Path> walk = Files.walk(abs)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          if (!p.equals(abs)) {
            Files.delete(p);
          }
        }
      }
    }
    Files.createDirectories(abs);
    Files.writeString(marker, "logs of the last benchmarks/lan.sh run; emptied by the next\n", StandardCharsets.UTF_8);
    return abs;
  }

  private static void copy(Path from, Path to) {
    try {
      if (Files.exists(from)) {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      System.err.println("warning: could not keep " + from + ": " + e);
    }
  }

  static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
