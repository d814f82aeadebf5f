package dev.potluck.bench;

import dev.potluck.bench.lan.Clients;
import dev.potluck.bench.lan.PackageSet;
import dev.potluck.bench.lan.WorkloadPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The settings of one LAN benchmark run, from the command line (picocli). Defaults make a full run of
 * 8 hosts, three systems and four workloads; {@code --quick} one of a few minutes on two cores.
 * Options that {@code --quick} changes are null until {@link #resolve} fills them in, so an explicit
 * flag always wins.
 */
@Command(name = "lan.sh", sortOptions = false, usageHelpWidth = 110,
    description = "The LAN benchmark: N hosts in network namespaces fetch a signed apt repository's packages "
        + "from an upstream behind a shaped WAN link, directly, through apt-cacher-ng on host 1, and through "
        + "a Potluck node on every host. Runs as root.")
final class LanOptions {

  /** The systems the benchmark knows, in the order they run by default. */
  static final List<String> SYSTEMS = List.of("direct", "proxy", "potluck");
  static final int WARMUP_PACKAGES = 8;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
  boolean help;

  @Option(names = "--quick", description = "a few minutes: 4 hosts, 12 packages, 16 MiB; explicit flags still win")
  boolean quick;

  @Option(names = "--hosts", paramLabel = "N", description = "hosts on the LAN (default 8; --quick 4)")
  Integer hosts;

  @Option(names = "--packages", paramLabel = "N", description = "packages in the set (default 40; --quick 12)")
  Integer packages;

  @Option(names = "--total-mb", paramLabel = "MIB",
      description = "their total size, spread log-uniformly from 100 KiB (default 128; --quick 16)")
  Double totalMb;

  @Option(names = "--sizes", paramLabel = "2M,100K,...", split = ",", converter = BenchOptions.SizeConverter.class,
      description = "explicit package sizes instead (payload bytes of each .deb)")
  List<Long> sizes;

  @Option(names = "--seed", paramLabel = "N", description = "seed of the sizes' order, the contents and the subsets (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--warmup-mb", paramLabel = "MIB", description = "a separate set of " + WARMUP_PACKAGES
      + " packages every host fetches through the system before each workload, not measured, so a node's JIT is "
      + "warm as a long-running node's is (default ${DEFAULT-VALUE}; 0: none)")
  double warmupMb = 4;

  @Option(names = "--wan-mbit", paramLabel = "R", description = "upstream link, shared by all hosts, each way (default ${DEFAULT-VALUE})")
  double wanMbit = 40;

  @Option(names = "--lan-mbit", paramLabel = "R", description = "each host's LAN port, each way (default ${DEFAULT-VALUE})")
  double lanMbit = 400;

  @Option(names = "--wan-delay-ms", paramLabel = "N", description = "one-way delay added to each WAN direction, needs "
      + "netem (default 10; left out with a warning if the kernel has no netem, unless given)")
  Integer wanDelayMs;

  @Option(names = "--systems", paramLabel = "LIST", split = ",",
      description = "comma list of direct, proxy (apt-cacher-ng on host 1), potluck (default all, in that order)")
  List<String> systems = SYSTEMS;

  @Option(names = "--workloads", paramLabel = "LIST", split = ",", description = "comma list of a (all at once), "
      + "b (staggered), c (overlapping subsets), d (warm LAN) (default all)")
  List<String> workloads = WorkloadPlan.IDS;

  @Option(names = "--client", paramLabel = "KIND", description = "apt (apt-get, isolated per host) or curl (plain HTTP) "
      + "(default ${DEFAULT-VALUE})")
  String client = "apt";

  @Option(names = "--stagger-seconds", paramLabel = "S", description = "workload b: host i starts (i - 1) x S seconds "
      + "after host 1 (default ${DEFAULT-VALUE})")
  double staggerSeconds = 2;

  @Option(names = "--overlap", paramLabel = "F", description = "workload c: each host wants a random share F of the set, "
      + "so two hosts share about F of their packages (default ${DEFAULT-VALUE})")
  double overlap = 0.5;

  @Option(names = "--node-jvm-opts", paramLabel = "'OPTS'", description = "JVM options of every node (default -Xmx128m)")
  String nodeJvmOpts = "-Xmx128m";

  @Option(names = "--node-log-level", paramLabel = "LEVEL", description = "the nodes' --log-level (default ${DEFAULT-VALUE}; "
      + "debug logs every request)")
  String nodeLogLevel = "info";

  @Option(names = "--jar", paramLabel = "PATH", description = "node jar (default ${DEFAULT-VALUE})")
  Path jar = Path.of("node/target/potluck.jar");

  @Option(names = "--nginx", paramLabel = "PATH", description = "nginx binary (default ${DEFAULT-VALUE})")
  Path nginx = Path.of("/usr/sbin/nginx");

  @Option(names = "--apt-cacher-ng", paramLabel = "PATH", description = "apt-cacher-ng binary (default ${DEFAULT-VALUE})")
  Path aptCacherNg = Path.of("/usr/sbin/apt-cacher-ng");

  @Option(names = "--out", paramLabel = "PATH", description = "JSON results (default ${DEFAULT-VALUE})")
  Path out = Path.of("benchmarks/results/lan.json");

  @Option(names = "--report", paramLabel = "DIR", description = "HTML report with charts (default ${DEFAULT-VALUE})")
  Path report = Path.of("benchmarks/results/lan-report");

  @Option(names = "--logs", paramLabel = "DIR", description = "where node, proxy, nginx and client logs are copied "
      + "(default ${DEFAULT-VALUE})")
  Path logs = Path.of("benchmarks/results/lan-logs");

  @Option(names = "--tmp", paramLabel = "DIR", description = "parent of the temporary directory (default java.io.tmpdir)")
  Path tmp = Path.of(System.getProperty("java.io.tmpdir"));

  @Option(names = "--max-seconds", paramLabel = "N", description = "abort (cleaning up) after N seconds (default 3600; "
      + "--quick 900)")
  Integer maxSeconds;

  @Option(names = "--ready-timeout-seconds", paramLabel = "N", description = "bound on the cluster forming (default ${DEFAULT-VALUE})")
  long readyTimeoutSeconds = 120;

  @Option(names = "--request-timeout-seconds", paramLabel = "N", description = "bound on any single transfer or apt run "
      + "(default ${DEFAULT-VALUE})")
  long requestTimeoutSeconds = 600;

  /** Parses {@code args}; null when help was asked for (and printed). Bad input: {@link BenchOptions.UsageException}. */
  static LanOptions parse(String[] args) {
    LanOptions o = new LanOptions();
    CommandLine cl = new CommandLine(o);
    try {
      cl.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new BenchOptions.UsageException(e.getMessage());
    }
    if (cl.isUsageHelpRequested()) {
      cl.usage(System.out);
      return null;
    }
    o.resolve();
    return o;
  }

  static String usage() {
    return new CommandLine(new LanOptions()).getUsageMessage();
  }

  private void resolve() {
    hosts = between("--hosts", hosts != null ? hosts : quick ? 4 : 8, 1, 200);
    packages = between("--packages", packages != null ? packages : quick ? 12 : 40, 1, 100_000);
    totalMb = positive("--total-mb", totalMb != null ? totalMb : quick ? 16 : 128);
    maxSeconds = between("--max-seconds", maxSeconds != null ? maxSeconds : quick ? 900 : 3600, 1, 86_400);
    if (wanDelayMs != null) {
      between("--wan-delay-ms", wanDelayMs, 0, 10_000);
    }
    positive("--wan-mbit", wanMbit);
    positive("--lan-mbit", lanMbit);
    if (warmupMb < 0) {
      throw new BenchOptions.UsageException("--warmup-mb must be 0 or more, got " + warmupMb);
    }
    if (staggerSeconds < 0 || staggerSeconds > 3600) {
      throw new BenchOptions.UsageException("--stagger-seconds must be 0 to 3600, got " + staggerSeconds);
    }
    if (!(overlap > 0 && overlap <= 1)) {
      throw new BenchOptions.UsageException("--overlap must be above 0 and at most 1, got " + overlap);
    }
    systems = names("--systems", systems, SYSTEMS);
    workloads = names("--workloads", workloads, WorkloadPlan.IDS);
    client = client.toLowerCase(Locale.ROOT);
    if (!Clients.KINDS.contains(client)) {
      throw new BenchOptions.UsageException("--client: unknown kind '" + client + "' (" + String.join(", ", Clients.KINDS) + ")");
    }
    between("--ready-timeout-seconds", (int) Math.min(readyTimeoutSeconds, Integer.MAX_VALUE), 1, 3_600);
    between("--request-timeout-seconds", (int) Math.min(requestTimeoutSeconds, Integer.MAX_VALUE), 1, 86_400);
    if (sizes != null) {
      for (long s : sizes) {
        if (s < 1 || s > (1L << 31) - (1 << 20)) {
          throw new BenchOptions.UsageException("--sizes: each size must be 1 byte to 2047 MiB, got " + s);
        }
      }
    }
  }

  List<String> nodeJvmOptions() {
    return nodeJvmOpts.isBlank() ? List.of() : List.of(nodeJvmOpts.trim().split("\\s+"));
  }

  int wanDelay() {
    return wanDelayMs == null ? 10 : wanDelayMs;
  }

  boolean wanDelayGiven() {
    return wanDelayMs != null;
  }

  long totalBytes() {
    return (long) (totalMb * 1048576);
  }

  /** Bytes of the warm-up set (0: no warm-up). */
  long warmupBytes() {
    return warmupMb <= 0 ? 0 : Math.max(WARMUP_PACKAGES * PackageSet.SMALLEST, (long) (warmupMb * 1048576));
  }

  long wanBytesPerSecond() {
    return (long) (wanMbit * 1_000_000 / 8);
  }

  long lanBytesPerSecond() {
    return (long) (lanMbit * 1_000_000 / 8);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("quick", quick);
    m.put("hosts", hosts);
    m.put("packages", sizes == null ? packages : sizes.size());
    m.put("totalBytesRequested", sizes == null ? totalBytes() : sizes.stream().mapToLong(Long::longValue).sum());
    m.put("explicitSizes", sizes);
    m.put("seed", seed);
    m.put("warmupBytes", warmupBytes());
    m.put("wanMbitPerSecond", wanMbit);
    m.put("lanMbitPerSecond", lanMbit);
    m.put("wanDelayMsRequested", wanDelay());
    m.put("systems", systems);
    m.put("workloads", workloads);
    m.put("client", client);
    m.put("staggerSeconds", staggerSeconds);
    m.put("overlap", overlap);
    m.put("nodeJvmOptions", nodeJvmOptions());
    m.put("nodeLogLevel", nodeLogLevel);
    m.put("nginx", nginx.toString());
    m.put("aptCacherNg", aptCacherNg.toString());
    m.put("out", out.toAbsolutePath().toString());
    m.put("maxSeconds", maxSeconds);
    m.put("readyTimeoutSeconds", readyTimeoutSeconds);
    m.put("requestTimeoutSeconds", requestTimeoutSeconds);
    return m;
  }

  private static List<String> names(String flag, List<String> given, List<String> known) {
    List<String> list = new ArrayList<>();
    for (String s : given) {
      String name = s.trim().toLowerCase(Locale.ROOT);
      if (!known.contains(name)) {
        throw new BenchOptions.UsageException(flag + ": unknown '" + name + "' (" + String.join(", ", known) + ")");
      }
      if (!list.contains(name)) {
        list.add(name);
      }
    }
    if (list.isEmpty()) {
      throw new BenchOptions.UsageException(flag + ": name at least one of " + String.join(", ", known));
    }
    return List.copyOf(list);
  }

  private static int between(String flag, int value, int min, int max) {
    if (value < min || value > max) {
      throw new BenchOptions.UsageException(flag + " must be " + min + " to " + max + ", got " + value);
    }
    return value;
  }

  private static double positive(String flag, double value) {
    if (!(value > 0)) {
      throw new BenchOptions.UsageException(flag + " must be positive, got " + value);
    }
    return value;
  }
}
