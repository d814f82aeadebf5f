package dev.potluck.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The settings of one single-node run, from the command line (picocli, as {@link LanOptions}). Defaults
 * make a full run of about four minutes on two cores; {@code --quick} one of about a minute, and any
 * flag given explicitly keeps its value under {@code --quick}.
 */
@Command(name = "single-node.sh", sortOptions = false, usageHelpWidth = 110,
    description = "Single-node figures against baselines measured in the same run: a miss against a direct fetch, "
        + "memory while streaming, cache hits against nginx.")
final class BenchOptions {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
  boolean help;

  @Option(names = "--jar", paramLabel = "PATH", description = "node jar (default ${DEFAULT-VALUE})")
  Path jar = Path.of("node/target/potluck.jar");

  @Option(names = "--out", paramLabel = "PATH", description = "JSON results (default ${DEFAULT-VALUE})")
  Path out = Path.of("benchmarks/results/single-node.json");

  @Option(names = "--quick", description = "about a minute: smaller sizes, fewer rounds")
  boolean quick;

  @Option(names = "--only", paramLabel = "PARTS", split = ",",
      description = "comma list of miss, rss, hit, herd, relay (default miss, rss, hit)")
  Set<String> parts = Set.of("miss", "rss", "hit");
  /** Clients of the herd part (opened first, then all asking at once). */
  int herdClients = 1_000;

  @Option(names = "--node-jvm-opts", paramLabel = "'OPTS'", description = "JVM options of every node (default ${DEFAULT-VALUE})")
  String nodeJvmOpts = "-Xmx128m";

  /** {@code --node-jvm-opts} split into words. */
  List<String> nodeJvmOptions;

  @Option(names = "--sizes", paramLabel = "1M,20M,...", split = ",", converter = SizeConverter.class,
      description = "miss latency: object sizes (default 1M,20M,100M; --quick 1M,16M)")
  List<Long> sizes = List.of(1L << 20, 20L << 20, 100L << 20);

  @Option(names = "--rounds", paramLabel = "N", description = "miss latency: rounds (default ${DEFAULT-VALUE}; --quick 3)")
  int rounds = 5;

  @Option(names = "--warmup-rounds", paramLabel = "N", description = "miss latency: rounds not measured (default ${DEFAULT-VALUE})")
  int warmupRounds = 1;

  @Option(names = "--wan-mbit", paramLabel = "R", description = "miss latency: the origin's rate (default 200; 0 = unthrottled)")
  double wanMbit = 200;

  @Option(names = "--rss-sizes", paramLabel = "256M,2G", split = ",", converter = SizeConverter.class,
      description = "RSS: object sizes (default 256M,2G; --quick 128M,1G)")
  List<Long> rssSizes = List.of(256L << 20, 2L << 30);

  @Option(names = "--sample-ms", paramLabel = "N", description = "RSS: sampling period (default ${DEFAULT-VALUE})")
  long sampleMillis = 200;

  @Option(names = "--hit-size", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "hit vs nginx: object size (default 256M; --quick 64M)")
  long hitSize = 256L << 20;

  @Option(names = "--relay-size", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "relay: the object one node streams to every reader as it arrives (default 1G; --quick 256M)")
  long relaySize = 1L << 30;

  @Option(names = "--relay-readers", paramLabel = "N", description = "relay: readers of the object (default ${DEFAULT-VALUE})")
  int relayReaders = 4;

  @Option(names = "--concurrency", paramLabel = "1,4", split = ",", description = "hit vs nginx: connections (default 1,4)")
  List<Integer> concurrency = List.of(1, 4);

  @Option(names = "--requests", paramLabel = "N", description = "hit vs nginx: requests per connection (default 10; --quick 5)")
  int requestsPerConnection = 10;

  @Option(names = "--trials", paramLabel = "N", description = "hit vs nginx, and the herd: trials (default 6; --quick 2)")
  int trials = 6;

  @Option(names = "--nginx", paramLabel = "PATH", description = "nginx binary (default ${DEFAULT-VALUE})")
  Path nginx = Path.of("/usr/sbin/nginx");

  @Option(names = "--nginx-workers", paramLabel = "N", description = "nginx's worker_processes (default ${DEFAULT-VALUE})")
  String nginxWorkers = "auto";

  @Option(names = "--tmp", paramLabel = "DIR", description = "parent of the temporary directory (default java.io.tmpdir)")
  Path tmp = Path.of(System.getProperty("java.io.tmpdir"));

  @Option(names = "--max-seconds", paramLabel = "N", description = "abort (cleaning up) after N seconds (default 900; --quick 300)")
  long maxSeconds = 900;

  @Option(names = "--request-timeout-seconds", paramLabel = "N",
      description = "bound on any single request (default ${DEFAULT-VALUE})")
  long requestTimeoutSeconds = 180;

  /** Parses {@code args}; null when help was asked for (and printed). Bad input: {@link UsageException}. */
  static BenchOptions parse(String[] args) {
    BenchOptions o = new BenchOptions();
    CommandLine cl = new CommandLine(o);
    CommandLine.ParseResult given;
    try {
      given = cl.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new UsageException(e.getMessage());
    }
    if (cl.isUsageHelpRequested()) {
      cl.usage(System.out);
      return null;
    }
    if (o.quick) {
      // Explicit flags win over --quick's values.
      if (!given.hasMatchedOption("--sizes")) {
        o.sizes = List.of(1L << 20, 16L << 20);
      }
      if (!given.hasMatchedOption("--rounds")) {
        o.rounds = 3;
      }
      if (!given.hasMatchedOption("--rss-sizes")) {
        o.rssSizes = List.of(128L << 20, 1L << 30);
      }
      if (!given.hasMatchedOption("--hit-size")) {
        o.hitSize = 64L << 20;
      }
      if (!given.hasMatchedOption("--relay-size")) {
        o.relaySize = 256L << 20;
      }
      if (!given.hasMatchedOption("--requests")) {
        o.requestsPerConnection = 5;
      }
      if (!given.hasMatchedOption("--trials")) {
        o.trials = 2;
      }
      if (!given.hasMatchedOption("--max-seconds")) {
        o.maxSeconds = 300;
      }
    }
    positive("--rounds", o.rounds);
    positive("--sample-ms", o.sampleMillis);
    positive("--requests", o.requestsPerConnection);
    positive("--trials", o.trials);
    positive("--relay-readers", o.relayReaders);
    positive("--max-seconds", o.maxSeconds);
    positive("--request-timeout-seconds", o.requestTimeoutSeconds);
    if (o.warmupRounds < 0 || o.wanMbit < 0) {
      throw new UsageException("--warmup-rounds and --wan-mbit must be 0 or more");
    }
    o.concurrency.forEach(c -> positive("--concurrency", c));
    Set<String> parts = new java.util.TreeSet<>();
    for (String part : o.parts) {
      String name = part.trim().toLowerCase(Locale.ROOT);
      if (!Set.of("miss", "rss", "hit", "herd", "relay").contains(name)) {
        throw new UsageException("--only: unknown part '" + name + "' (miss, rss, hit, herd, relay)");
      }
      parts.add(name);
    }
    o.parts = Set.copyOf(parts);
    o.nodeJvmOptions = o.nodeJvmOpts.isBlank() ? List.of() : List.of(o.nodeJvmOpts.trim().split("\\s+"));
    return o;
  }

  static String usage() {
    return new CommandLine(new BenchOptions()).getUsageMessage();
  }

  long wanBytesPerSecond() {
    return (long) (wanMbit * 1_000_000 / 8);
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("quick", quick);
    m.put("parts", List.copyOf(new java.util.TreeSet<>(parts)));
    m.put("nodeJvmOptions", nodeJvmOptions);
    m.put("missSizesBytes", sizes);
    m.put("rounds", rounds);
    m.put("warmupRounds", warmupRounds);
    m.put("wanMbitPerSecond", wanMbit);
    m.put("rssSizesBytes", rssSizes);
    m.put("rssSampleMillis", sampleMillis);
    m.put("hitSizeBytes", hitSize);
    m.put("relaySizeBytes", relaySize);
    m.put("relayReaders", relayReaders);
    m.put("hitConcurrency", concurrency);
    m.put("hitRequestsPerConnection", requestsPerConnection);
    m.put("hitTrials", trials);
    m.put("nginx", nginx.toString());
    m.put("nginxWorkers", nginxWorkers);
    m.put("requestTimeoutSeconds", requestTimeoutSeconds);
    return m;
  }

  /** {@code 1048576}, {@code 512K}, {@code 20M}, {@code 2G} (binary units), as the node's own flags take them. */
  static long size(String text) {
    long value = dev.potluck.node.config.ByteSize.parse(text);
    if (value <= 0) {
      throw new IllegalArgumentException("size must be positive: " + text);
    }
    return value;
  }

  private static void positive(String flag, long value) {
    if (value <= 0) {
      throw new UsageException(flag + " must be positive, got " + value);
    }
  }

  /** Size values: 100K, 2M, 1G or plain bytes. */
  static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return size(value.trim());
    }
  }

  /** Human size: {@code 256 MiB}, {@code 2 GiB}, {@code 1.5 MiB}. */
  static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (v == Math.rint(v) ? String.format(Locale.ROOT, "%d", (long) v) : String.format(Locale.ROOT, "%.1f", v)) + " " + units[u];
  }

  static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
