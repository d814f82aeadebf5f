package dev.potluck.node;

import dev.potluck.node.config.ByteSize;
import dev.potluck.node.config.Cidr;
import dev.potluck.node.config.ConfigFile;
import dev.potluck.node.config.DurationText;
import dev.potluck.node.config.HostPort;
import dev.potluck.node.config.Mirror;
import dev.potluck.node.config.NodeConfig;
import dev.potluck.node.config.RateText;
import dev.potluck.node.config.SecretFile;
import dev.potluck.node.config.SwarmConfig;
import dev.potluck.node.trust.nix.NixKey;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code potluck node}: runs a node until SIGTERM or Ctrl-C. */
@Command(name = "node", sortOptions = false, mixinStandardHelpOptions = true,
    description = "Run a Potluck node: an HTTP proxy and mirror for package managers that shares downloads.",
    footer = {"", "Every option can also be set in the --config file as 'name = value' (without the dashes).",
        "Sizes take K, M, G, T (binary); durations take ms, s, m, h, d.",
        "Rates are bytes per second (500K, 12.5M: K, M, G binary) or bits per second",
        "(800kbit, 100mbit, 1gbit: decimal); 0 or 'unlimited' means no cap."})
final class NodeCommand implements Callable<Integer> {

  /** How long SIGTERM lets responses under way finish. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "Read settings from FILE; flags given on the command line win.")
  Path configFile;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Client HTTP listener (proxy, mirrors, API). Default: 127.0.0.1:7878.")
  String listen;

  @Option(names = "--bind", paramLabel = "ADDR", description = "IPv4 address of this host for the cluster, mDNS and the peer listener. Default: the first up, non-loopback IPv4 address; without one, 127.0.0.1 (peers on this host only).")
  String bind;

  @Option(names = "--peer-port", paramLabel = "N", description = "Port other nodes download objects from; 0 picks a free one. Default: 7879.")
  String peerPort;

  @Option(names = "--cluster-port", paramLabel = "N", description = "Cluster (JGroups TCP) port; 0 picks a free one. Default: 7800.")
  String clusterPort;

  @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where objects are stored. Default: $XDG_CACHE_HOME/potluck or ~/.cache/potluck.")
  Path cacheDir;

  @Option(names = "--cache-size", paramLabel = "SIZE", description = "Disk quota of the cache; least recently used objects are evicted. Default: 10G.")
  String cacheSize;

  @Option(names = "--cluster", paramLabel = "NAME", description = "Only nodes with the same cluster name join each other. Default: potluck.")
  String cluster;

  @Option(names = "--secret-file", paramLabel = "FILE", description = "Encrypt cluster traffic with the secret in FILE (16 bytes or more; chmod 600); nodes without it stay out. Default: none.")
  Path secretFile;

  @Option(names = "--seed", paramLabel = "HOST:PORT", description = "Cluster port of another node, asked when joining. Repeatable.")
  List<String> seeds = new ArrayList<>();

  @Option(names = "--no-mdns", description = "Neither announce this node nor find others by mDNS (give --seed instead).")
  boolean noMdns;

  @Option(names = "--mirror", paramLabel = "NAME=URL[,URL...]", description = "Serve URL under /mirror/NAME/ (https upstreams too); with several URLs, each next one is asked when the one before fails (no answer, 5xx, 404). Repeatable.")
  List<String> mirrors = new ArrayList<>();

  @Option(names = "--keyring", paramLabel = "FILE", description = "Also trust the OpenPGP keys in FILE (a keyring, .asc or .gpg, or a folder of them) for repository metadata, besides the keys apt trusts. Repeatable.")
  List<Path> keyrings = new ArrayList<>();

  @Option(names = "--nix-key", paramLabel = "NAME:KEY", description = "Also trust narinfos signed by this nix binary cache key (as nix.conf's trusted-public-keys writes it), besides cache.nixos.org-1. Repeatable.")
  List<String> nixKeys = new ArrayList<>();

  @Option(names = "--apt-sources", paramLabel = "DIR", description = "The folder of this host's apt sources (sources.list, sources.list.d/): the node fetches and verifies their repositories' metadata itself when a package is asked for before it has seen it, and trusts their signed-by keyrings. Default: /etc/apt.")
  Path aptSources;

  @Option(names = "--import", paramLabel = "DIR", description = "Offer the package files in DIR (a package manager's cache: /var/cache/apt/archives, /var/cache/pacman/pkg, dnf's cache) to the LAN, read-only: the node never changes or deletes them, and offers each only while a verified package list it has vouches for its bytes. Repeatable.")
  List<Path> imports = new ArrayList<>();

  @Option(names = "--allow", paramLabel = "CIDR", description = "Also accept clients from this subnet (loopback is always allowed). Repeatable.")
  List<String> allow = new ArrayList<>();

  @Option(names = "--no-share", description = "Take files from the other nodes, serve them nothing (a laptop on battery or a metered link): this node never announces what it holds, is never asked to fetch for others, and its peer API refuses objects.")
  boolean noShare;

  @Option(names = "--max-uploads", paramLabel = "N", description = "How many peer downloads this node serves at once (1-1024). Default: 16.")
  String maxUploads;

  @Option(names = "--upload-rate", paramLabel = "RATE", description = "Cap on this node's total upload to peers, in bytes per second (12.5M) or bits (100mbit). Default: unlimited.")
  String uploadRate;

  @Option(names = "--metadata-max-age", paramLabel = "DURATION", description = "How long repository metadata is served before it is revalidated upstream. Default: 5m.")
  String metadataMaxAge;

  @Option(names = "--upstream-timeout", paramLabel = "DURATION", description = "How long an upstream may stay silent before the request fails (504). Default: 30s.")
  String upstreamTimeout;

  @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info or debug (debug logs every request). Default: info.")
  String logLevel;

  /** A run that starts and stops at once: the package's class-data-sharing training run. */
  @Option(names = "--exit-when-ready", hidden = true,
      description = "Start, and stop as soon as the node is ready (records the classes start-up loads).")
  boolean exitWhenReady;

  @Option(names = "--access-log", description = "Log one line per client request: client, method, URL, status, X-Potluck-Cache, body bytes, milliseconds.")
  boolean accessLog;

  @Override
  public Integer call() throws Exception {
    NodeCommand effective = withConfigFile();
    Logging.setLevel(effective.logLevel == null ? "info" : effective.logLevel);
    Logging.accessLog(effective.accessLog);
    NodeConfig config = effective.toConfig(System.getenv());
    Logger log = LoggerFactory.getLogger(NodeCommand.class);
    PotluckNode node;
    try {
      node = PotluckNode.start(config, effective.toSwarmConfig()).toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      log.error("{}", e.getCause().getMessage());
      return 1;
    }
    log.info("Potluck {} listening on http://{}/ (proxy, /mirror/NAME/, /api/v1/status, /metrics); cache {} ({} objects, {} of {})",
        Version.current(), node.address(), config.cacheDir(), node.store().stats().objects(),
        ByteSize.format(node.store().stats().usedBytes()), ByteSize.format(config.cacheSize()));
    if (effective.exitWhenReady) {
      node.stop(Duration.ZERO);
      return 0;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("stopping");
      try {
        node.stop(SHUTDOWN_GRACE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      log.info("stopped");
      Logging.flush();
      stopped.countDown();
    }, "potluck-shutdown"));
    stopped.await();
    return 0;
  }

  /** This command with the config file's settings applied beneath the command line's. */
  NodeCommand withConfigFile() {
    if (configFile == null) {
      return this;
    }
    List<ConfigFile.Entry> entries = ConfigFile.read(configFile);
    for (ConfigFile.Entry e : entries) {
      if (e.key().equals("config") || spec.findOption("--" + e.key()) == null
          || e.key().equals("help") || e.key().equals("version")) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.where() + ": unknown setting '" + e.key() + "'");
      }
    }
    List<String> args = new ArrayList<>(ConfigFile.toArguments(entries));
    // The parse result holds the whole command line; this command's own arguments follow its name.
    List<String> original = spec.commandLine().getParseResult().originalArgs();
    args.addAll(original.subList(original.indexOf(spec.name()) + 1, original.size()));
    NodeCommand merged = new NodeCommand();
    CommandLine parser = new CommandLine(merged).setOverwrittenOptionsAllowed(true);
    try {
      parser.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), configFile + ": " + e.getMessage());
    }
    return merged;
  }

  NodeConfig toConfig(Map<String, String> env) {
    NodeConfig defaults = NodeConfig.defaults(env);
    return new NodeConfig(
        listen == null ? defaults.listen() : convert("--listen", listen, HostPort::parse),
        cacheDir == null ? defaults.cacheDir() : cacheDir.toAbsolutePath(),
        cacheSize == null ? defaults.cacheSize() : convert("--cache-size", cacheSize, ByteSize::parse),
        mirrors.stream().map(m -> convert("--mirror", m, Mirror::parse)).toList(),
        allow.stream().map(a -> convert("--allow", a, Cidr::parse)).toList(),
        duration("--metadata-max-age", metadataMaxAge, defaults.metadataMaxAge()),
        duration("--upstream-timeout", upstreamTimeout, defaults.upstreamTimeout()),
        defaults.readerStallTimeout(),
        keyrings.stream().map(k -> convert("--keyring", k, NodeCommand::readableKeyring)).toList(),
        nixKeys.stream().map(k -> convert("--nix-key", k, NixKey::parse)).toList(),
        aptSources == null ? defaults.aptSources() : aptSources.toAbsolutePath(),
        imports.stream().map(d -> convert("--import", d, NodeCommand::readableFolder)).toList());
  }

  private static Path readableKeyring(Path path) {
    Path absolute = path.toAbsolutePath();
    if (!java.nio.file.Files.isReadable(absolute)) {
      throw new IllegalArgumentException("cannot read " + absolute + (java.nio.file.Files.exists(absolute)
          ? ": permission denied" : ": no such file or folder"));
    }
    return absolute;
  }

  private static Path readableFolder(Path path) {
    Path absolute = path.toAbsolutePath();
    if (!java.nio.file.Files.isDirectory(absolute)) {
      throw new IllegalArgumentException(absolute + (java.nio.file.Files.exists(absolute) ? " is not a folder"
          : ": no such folder"));
    }
    if (!java.nio.file.Files.isReadable(absolute)) {
      throw new IllegalArgumentException("cannot read " + absolute + ": permission denied");
    }
    return absolute;
  }

  /** The cluster settings; without {@code --bind}, bound to {@link SwarmConfig#detectBind()}'s address. */
  SwarmConfig toSwarmConfig() {
    return toSwarmConfig(SwarmConfig::detectBind);
  }

  /** As {@link #toSwarmConfig()}, with {@code detectBind} in place of looking at this host's interfaces. */
  SwarmConfig toSwarmConfig(Supplier<InetAddress> detectBind) {
    InetAddress address = bind == null ? detectBind.get() : convert("--bind", bind, SwarmConfig::parseBind);
    SwarmConfig defaults = SwarmConfig.defaults(address);
    return new SwarmConfig(
        defaults.bind(),
        defaults.bindIsFallback(),
        integer("--peer-port", peerPort, defaults.peerPort()),
        integer("--cluster-port", clusterPort, defaults.clusterPort()),
        cluster == null ? defaults.clusterName() : cluster,
        seeds.stream().map(s -> convert("--seed", s, SwarmConfig::parseSeed)).toList(),
        !noMdns,
        secretFile == null ? null : convert("--secret-file", secretFile, SecretFile::read),
        integer("--max-uploads", maxUploads, defaults.maxUploads()),
        uploadRate == null ? defaults.uploadRateBytesPerSecond() : convert("--upload-rate", uploadRate, RateText::parse),
        !noShare);
  }

  private static int integer(String option, String value, int fallback) {
    if (value == null) {
      return fallback;
    }
    if (!value.strip().matches("-?\\d{1,9}")) {
      throw new IllegalArgumentException(option + ": not a whole number: '" + value + "'");
    }
    return Integer.parseInt(value.strip());
  }

  private static Duration duration(String option, String value, Duration fallback) {
    return value == null ? fallback : convert(option, value, DurationText::parse);
  }

  private static <V, T> T convert(String option, V value, Function<V, T> parser) {
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage());
    }
  }
}
