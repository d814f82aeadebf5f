package dev.potluck.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one run, from the command line. Defaults make a full run of about four minutes on two
 * cores; {@code --quick} one of about a minute.
 */
final class BenchOptions {

  static final String USAGE = String.join("\n",
      "usage: SingleNodeBench [options]",
      "  --jar PATH                 node jar (default node/target/potluck.jar)",
      "  --out PATH                 JSON results (default benchmarks/results/single-node.json)",
      "  --quick                    about a minute: smaller sizes, fewer rounds",
      "  --only PARTS               comma list of miss, rss, hit (default all)",
      "  --node-jvm-opts 'OPTS'     JVM options of every node (default -Xmx128m)",
      "  miss latency:  --sizes 1M,20M,100M  --rounds 5  --warmup-rounds 1  --wan-mbit 200 (0 = unthrottled)",
      "  RSS:           --rss-sizes 256M,2G  --sample-ms 200",
      "  hit vs nginx:  --hit-size 256M  --concurrency 1,4  --requests 10 (per connection)  --trials 6",
      "                 --nginx /usr/sbin/nginx  --nginx-workers auto",
      "  --tmp DIR                  parent of the temporary directory (default java.io.tmpdir)",
      "  --max-seconds N            abort (cleaning up) after N seconds (default 900)",
      "  --request-timeout-seconds N  bound on any single request (default 180)");

  Path jar = Path.of("node/target/potluck.jar");
  Path out = Path.of("benchmarks/results/single-node.json");
  boolean quick;
  Set<String> parts = Set.of("miss", "rss", "hit");
  List<String> nodeJvmOptions = List.of("-Xmx128m");
  List<Long> sizes = List.of(1L << 20, 20L << 20, 100L << 20);
  int rounds = 5;
  int warmupRounds = 1;
  double wanMbit = 200;
  List<Long> rssSizes = List.of(256L << 20, 2L << 30);
  long sampleMillis = 200;
  long hitSize = 256L << 20;
  List<Integer> concurrency = List.of(1, 4);
  int requestsPerConnection = 10;
  int trials = 6;
  Path nginx = Path.of("/usr/sbin/nginx");
  String nginxWorkers = "auto";
  Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
  long maxSeconds = 900;
  long requestTimeoutSeconds = 180;

  static BenchOptions parse(String[] args) {
    BenchOptions o = new BenchOptions();
    // --quick first, so explicit flags override its values wherever they appear.
    if (Arrays.asList(args).contains("--quick")) {
      o.quick = true;
      o.sizes = List.of(1L << 20, 16L << 20);
      o.rounds = 3;
      o.rssSizes = List.of(128L << 20, 1L << 30);
      o.hitSize = 64L << 20;
      o.requestsPerConnection = 5;
      o.trials = 2;
      o.maxSeconds = 300;
    }
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--quick")) {
        continue;
      }
      if (flag.equals("-h") || flag.equals("--help")) {
        throw new UsageException(null);
      }
      if (i + 1 >= args.length) {
        throw new UsageException("missing value for " + flag);
      }
      String v = args[++i];
      try {
        switch (flag) {
          case "--jar" -> o.jar = Path.of(v);
          case "--out" -> o.out = Path.of(v);
          case "--only" -> o.parts = Set.copyOf(List.of(v.toLowerCase(Locale.ROOT).split(",")));
          case "--node-jvm-opts" -> o.nodeJvmOptions = v.isBlank() ? List.of() : List.of(v.trim().split("\\s+"));
          case "--sizes" -> o.sizes = sizes(v);
          case "--rounds" -> o.rounds = positive(flag, Integer.parseInt(v));
          case "--warmup-rounds" -> o.warmupRounds = Integer.parseInt(v);
          case "--wan-mbit" -> o.wanMbit = Double.parseDouble(v);
          case "--rss-sizes" -> o.rssSizes = sizes(v);
          case "--sample-ms" -> o.sampleMillis = positive(flag, Integer.parseInt(v));
          case "--hit-size" -> o.hitSize = size(v);
          case "--concurrency" -> o.concurrency = Arrays.stream(v.split(",")).map(s -> positive(flag, Integer.parseInt(s.trim()))).toList();
          case "--requests" -> o.requestsPerConnection = positive(flag, Integer.parseInt(v));
          case "--trials" -> o.trials = positive(flag, Integer.parseInt(v));
          case "--nginx" -> o.nginx = Path.of(v);
          case "--nginx-workers" -> o.nginxWorkers = v;
          case "--tmp" -> o.tmp = Path.of(v);
          case "--max-seconds" -> o.maxSeconds = positive(flag, Integer.parseInt(v));
          case "--request-timeout-seconds" -> o.requestTimeoutSeconds = positive(flag, Integer.parseInt(v));
          default -> throw new UsageException("unknown option " + flag);
        }
      } catch (IllegalArgumentException e) {
        if (e instanceof UsageException) {
          throw e;
        }
        throw new UsageException(flag + ": " + e.getMessage());
      }
    }
    for (String part : o.parts) {
      if (!Set.of("miss", "rss", "hit").contains(part)) {
        throw new UsageException("--only: unknown part '" + part + "' (miss, rss, hit)");
      }
    }
    return o;
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

  private static List<Long> sizes(String text) {
    List<Long> list = new ArrayList<>();
    for (String s : text.split(",")) {
      list.add(size(s));
    }
    return List.copyOf(list);
  }

  private static int positive(String flag, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("must be positive, got " + value);
    }
    return value;
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
