package dev.potluck.bench;

import dev.potluck.bench.chaos.Faults;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The settings of one chaos run, from the command line (picocli). */
@Command(name = "chaos.sh", sortOptions = false, usageHelpWidth = 110,
    description = "The chaos suite: N hosts in network namespaces, each with a Potluck node and a real apt-get, "
        + "fetch a signed repository from an upstream behind a shaped WAN link, once without a fault and once per "
        + "scenario with one. Runs as root.")
final class ChaosOptions {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
  boolean help;

  @Option(names = "--scenarios", paramLabel = "LIST", split = ",", description = "comma list of fetcher-kill, "
      + "arbiter-kill, partition, restart, upstream-trouble, disk-full (default all)")
  List<String> scenarios = Faults.ids();

  @Option(names = "--hosts", paramLabel = "N", description = "hosts on the LAN (default ${DEFAULT-VALUE})")
  int hosts = 6;

  @Option(names = "--packages", paramLabel = "N", description = "packages in the set (default ${DEFAULT-VALUE})")
  int packages = 12;

  @Option(names = "--total-mb", paramLabel = "MIB", description = "their total size, spread log-uniformly from 100 KiB "
      + "(default ${DEFAULT-VALUE})")
  double totalMb = 48;

  @Option(names = "--seed", paramLabel = "N", description = "seed of the sizes and contents (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--wan-mbit", paramLabel = "R", description = "upstream link, shared by all hosts (default ${DEFAULT-VALUE})")
  double wanMbit = 20;

  @Option(names = "--lan-mbit", paramLabel = "R", description = "each host's LAN port (default ${DEFAULT-VALUE})")
  double lanMbit = 400;

  @Option(names = "--wan-delay-ms", paramLabel = "N", description = "one-way WAN delay, if the kernel has netem "
      + "(default ${DEFAULT-VALUE})")
  int wanDelayMs = 10;

  @Option(names = "--upstream-timeout-seconds", paramLabel = "N", description = "the nodes' --upstream-timeout; the "
      + "upstream-trouble stall lasts 2 s longer (default ${DEFAULT-VALUE})")
  int upstreamTimeoutSeconds = 5;

  @Option(names = "--node-jvm-opts", paramLabel = "'OPTS'", description = "JVM options of every node (default -Xmx128m)")
  String nodeJvmOpts = "-Xmx128m";

  @Option(names = "--jar", paramLabel = "PATH", description = "node jar (default ${DEFAULT-VALUE})")
  Path jar = Path.of("node/target/potluck.jar");

  @Option(names = "--nginx", paramLabel = "PATH", description = "nginx binary (default ${DEFAULT-VALUE})")
  Path nginx = Path.of("/usr/sbin/nginx");

  @Option(names = "--out", paramLabel = "PATH", description = "JSON results (default ${DEFAULT-VALUE})")
  Path out = Path.of("benchmarks/results/chaos.json");

  @Option(names = "--logs", paramLabel = "DIR", description = "where node and client logs are copied (default ${DEFAULT-VALUE})")
  Path logs = Path.of("benchmarks/results/chaos-logs");

  @Option(names = "--tmp", paramLabel = "DIR", description = "parent of the temporary directory (default java.io.tmpdir)")
  Path tmp = Path.of(System.getProperty("java.io.tmpdir"));

  @Option(names = "--max-seconds", paramLabel = "N", description = "abort (cleaning up) after N seconds (default ${DEFAULT-VALUE})")
  int maxSeconds = 1800;

  /** Parses {@code args}; null when help was asked for (and printed). Bad input: {@link BenchOptions.UsageException}. */
  static ChaosOptions parse(String[] args) {
    ChaosOptions o = new ChaosOptions();
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
    o.check();
    return o;
  }

  static String usage() {
    return new CommandLine(new ChaosOptions()).getUsageMessage();
  }

  private void check() {
    for (String s : scenarios) {
      try {
        Faults.named(s);
      } catch (IllegalArgumentException e) {
        throw new BenchOptions.UsageException("--scenarios: " + e.getMessage());
      }
    }
    if (hosts < 4 || hosts > 50) {
      throw new BenchOptions.UsageException("--hosts must be 4 to 50 (two halves of two for a partition), got " + hosts);
    }
    if (packages < 2 || packages > 10_000) {
      throw new BenchOptions.UsageException("--packages must be 2 to 10000, got " + packages);
    }
    if (!(totalMb > 0) || !(wanMbit > 0) || !(lanMbit > 0)) {
      throw new BenchOptions.UsageException("--total-mb, --wan-mbit and --lan-mbit must be above 0");
    }
    if (upstreamTimeoutSeconds < 1 || upstreamTimeoutSeconds > 600) {
      throw new BenchOptions.UsageException("--upstream-timeout-seconds must be 1 to 600, got " + upstreamTimeoutSeconds);
    }
    if (maxSeconds < 60) {
      throw new BenchOptions.UsageException("--max-seconds must be at least 60, got " + maxSeconds);
    }
  }

  List<String> nodeJvmOptions() {
    return nodeJvmOpts.isBlank() ? List.of() : List.of(nodeJvmOpts.trim().split("\\s+"));
  }

  double wanBytesPerSecond() {
    return wanMbit * 1e6 / 8;
  }

  double lanBytesPerSecond() {
    return lanMbit * 1e6 / 8;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenarios", scenarios);
    m.put("hosts", hosts);
    m.put("packages", packages);
    m.put("totalMb", totalMb);
    m.put("seed", seed);
    m.put("wanMbit", wanMbit);
    m.put("lanMbit", lanMbit);
    m.put("wanDelayMs", wanDelayMs);
    m.put("upstreamTimeoutSeconds", upstreamTimeoutSeconds);
    m.put("nodeJvmOpts", nodeJvmOpts);
    return m;
  }
}
