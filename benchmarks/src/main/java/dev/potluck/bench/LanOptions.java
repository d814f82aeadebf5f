package dev.potluck.bench;

import dev.potluck.bench.lan.PackageSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of one LAN benchmark run, from the command line. Defaults make a full run of about
 * six minutes on two cores; {@code --quick} one of one to two.
 */
final class LanOptions {

  /** The systems the benchmark knows, in the order they run by default. */
  static final List<String> SYSTEMS = List.of("direct", "potluck");
  static final int WARMUP_PACKAGES = 8;

  static final String USAGE = String.join("\n",
      "usage: LanBench [options]   (as root: it builds network namespaces)",
      "  --quick                    one to two minutes: 4 hosts, 12 packages, 16 MiB",
      "  --hosts N                  hosts on the LAN (default 8)",
      "  --packages N               packages in the set (default 40)",
      "  --total-mb N               their total size in MiB, spread log-uniformly from 100 KiB (default 128)",
      "  --sizes 2M,100K,...        explicit package sizes instead (fetched in this order)",
      "  --seed N                   seed of the sizes' order and of the contents (default 1)",
      "  --warmup-mb N              a separate set of 8 packages (N MiB) every host fetches first, not",
      "                             measured: the nodes' JIT warms up as a long-running node's has (default 4; 0: none)",
      "  --wan-mbit R               upstream link, shared by all hosts, each way (default 40)",
      "  --lan-mbit R               each host's LAN port, each way (default 400)",
      "  --wan-delay-ms N           one-way delay added to each WAN direction, needs netem (default 10;",
      "                             left out with a warning if the kernel has no netem, unless given)",
      "  --systems LIST             comma list of " + String.join(", ", SYSTEMS) + " (default all, in that order)",
      "  --node-jvm-opts 'OPTS'     JVM options of every node (default -Xmx128m)",
      "  --node-log-level LEVEL     the nodes' --log-level (default info; debug logs every request)",
      "  --jar PATH                 node jar (default node/target/potluck.jar)",
      "  --nginx PATH               nginx binary (default /usr/sbin/nginx)",
      "  --out PATH                 JSON results (default benchmarks/results/lan.json)",
      "  --logs DIR                 where node, nginx and client logs are copied (default benchmarks/results/lan-logs)",
      "  --tmp DIR                  parent of the temporary directory (default java.io.tmpdir)",
      "  --max-seconds N            abort (cleaning up) after N seconds (default 900)",
      "  --ready-timeout-seconds N  bound on the cluster forming (default 120)",
      "  --request-timeout-seconds N  bound on any single transfer (default 600)");

  boolean quick;
  int hosts = 8;
  int packages = 40;
  double totalMb = 128;
  List<Long> sizes;
  long seed = 1;
  double warmupMb = 4;
  double wanMbit = 40;
  double lanMbit = 400;
  int wanDelayMs = 10;
  boolean wanDelayGiven;
  List<String> systems = SYSTEMS;
  List<String> nodeJvmOptions = List.of("-Xmx128m");
  String nodeLogLevel = "info";
  Path jar = Path.of("node/target/potluck.jar");
  Path nginx = Path.of("/usr/sbin/nginx");
  Path out = Path.of("benchmarks/results/lan.json");
  Path logs = Path.of("benchmarks/results/lan-logs");
  Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
  long maxSeconds = 900;
  long readyTimeoutSeconds = 120;
  long requestTimeoutSeconds = 600;

  static LanOptions parse(String[] args) {
    LanOptions o = new LanOptions();
    // --quick first, so explicit flags override its values wherever they appear.
    if (Arrays.asList(args).contains("--quick")) {
      o.quick = true;
      o.hosts = 4;
      o.packages = 12;
      o.totalMb = 16;
      o.maxSeconds = 300;
    }
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--quick")) {
        continue;
      }
      if (flag.equals("-h") || flag.equals("--help")) {
        throw new BenchOptions.UsageException(null);
      }
      if (i + 1 >= args.length) {
        throw new BenchOptions.UsageException("missing value for " + flag);
      }
      String v = args[++i];
      try {
        switch (flag) {
          case "--hosts" -> o.hosts = between(flag, Integer.parseInt(v), 1, 200);
          case "--packages" -> o.packages = between(flag, Integer.parseInt(v), 1, 100_000);
          case "--total-mb" -> o.totalMb = positive(flag, Double.parseDouble(v));
          case "--sizes" -> o.sizes = sizes(v);
          case "--seed" -> o.seed = Long.parseLong(v);
          case "--warmup-mb" -> o.warmupMb = Double.parseDouble(v);
          case "--wan-mbit" -> o.wanMbit = positive(flag, Double.parseDouble(v));
          case "--lan-mbit" -> o.lanMbit = positive(flag, Double.parseDouble(v));
          case "--wan-delay-ms" -> {
            o.wanDelayMs = between(flag, Integer.parseInt(v), 0, 10_000);
            o.wanDelayGiven = true;
          }
          case "--systems" -> o.systems = systems(v);
          case "--node-jvm-opts" -> o.nodeJvmOptions = v.isBlank() ? List.of() : List.of(v.trim().split("\\s+"));
          case "--node-log-level" -> o.nodeLogLevel = v;
          case "--jar" -> o.jar = Path.of(v);
          case "--nginx" -> o.nginx = Path.of(v);
          case "--out" -> o.out = Path.of(v);
          case "--logs" -> o.logs = Path.of(v);
          case "--tmp" -> o.tmp = Path.of(v);
          case "--max-seconds" -> o.maxSeconds = between(flag, Integer.parseInt(v), 1, 86_400);
          case "--ready-timeout-seconds" -> o.readyTimeoutSeconds = between(flag, Integer.parseInt(v), 1, 3_600);
          case "--request-timeout-seconds" -> o.requestTimeoutSeconds = between(flag, Integer.parseInt(v), 1, 86_400);
          default -> throw new BenchOptions.UsageException("unknown option " + flag);
        }
      } catch (IllegalArgumentException e) {
        if (e instanceof BenchOptions.UsageException) {
          throw e;
        }
        throw new BenchOptions.UsageException(flag + ": " + e.getMessage());
      }
    }
    return o;
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
    m.put("wanDelayMsRequested", wanDelayMs);
    m.put("systems", systems);
    m.put("nodeJvmOptions", nodeJvmOptions);
    m.put("nodeLogLevel", nodeLogLevel);
    m.put("nginx", nginx.toString());
    m.put("maxSeconds", maxSeconds);
    m.put("readyTimeoutSeconds", readyTimeoutSeconds);
    m.put("requestTimeoutSeconds", requestTimeoutSeconds);
    return m;
  }

  private static List<Long> sizes(String text) {
    List<Long> list = new ArrayList<>();
    for (String s : text.split(",")) {
      list.add(BenchOptions.size(s.trim()));
    }
    return List.copyOf(list);
  }

  private static List<String> systems(String text) {
    List<String> list = new ArrayList<>();
    for (String s : text.toLowerCase(Locale.ROOT).split(",")) {
      String name = s.trim();
      if (!SYSTEMS.contains(name)) {
        throw new BenchOptions.UsageException("--systems: unknown system '" + name + "' (" + String.join(", ", SYSTEMS) + ")");
      }
      if (!list.contains(name)) {
        list.add(name);
      }
    }
    return List.copyOf(list);
  }

  private static int between(String flag, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException("must be " + min + " to " + max + ", got " + value);
    }
    return value;
  }

  private static double positive(String flag, double value) {
    if (!(value > 0)) {
      throw new IllegalArgumentException("must be positive, got " + value);
    }
    return value;
  }
}
