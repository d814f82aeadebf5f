package dev.potluck.node.config;

import dev.potluck.node.trust.nix.NixKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a node is told at start, validated here so that a bad value fails at once with a message
 * naming it. The defaults are the embedded configuration a node runs with when given none.
 *
 * @param listen where the client HTTP listener (proxy, mirrors, API) binds
 * @param cacheDir the content store's folder
 * @param cacheSize the store's disk quota in bytes
 * @param mirrors upstreams served under {@code /mirror/{name}/}
 * @param allow client subnets allowed besides loopback
 * @param metadataMaxAge how long mutable metadata is served before it is revalidated upstream
 * @param upstreamTimeout how long an upstream may stay silent (connecting, or between bytes)
 * @param readerStallTimeout how long a client may refuse bytes before its connection is closed
 * @param keyrings OpenPGP keyrings (files or folders) trusted for repository metadata besides apt's own
 * @param nixKeys nix binary cache keys trusted for narinfo signatures besides cache.nixos.org's
 * @param aptSources the folder holding this host's apt sources ({@code sources.list}, {@code
 *     sources.list.d/}): the repositories whose metadata the node fetches itself when it has not seen it,
 *     and whose {@code signed-by} keyrings it trusts
 * @param imports package caches (folders) whose files the node offers to the LAN, read-only, once a
 *     verified package list vouches for them
 */
public record NodeConfig(
    HostPort listen,
    Path cacheDir,
    long cacheSize,
    List<Mirror> mirrors,
    List<Cidr> allow,
    Duration metadataMaxAge,
    Duration upstreamTimeout,
    Duration readerStallTimeout,
    List<Path> keyrings,
    List<NixKey> nixKeys,
    Path aptSources,
    List<Path> imports) {

  /** The client listener: loopback only, so a default node is never an open proxy. */
  public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 7878);

  /** Large enough for a release upgrade of a desktop's packages, small enough for a laptop. */
  public static final long DEFAULT_CACHE_SIZE = 10L << 30;

  public static final Duration DEFAULT_METADATA_MAX_AGE = Duration.ofMinutes(5);
  public static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_READER_STALL_TIMEOUT = Duration.ofSeconds(60);
  /** Where apt keeps its sources on Debian and its derivatives. */
  public static final Path DEFAULT_APT_SOURCES = Path.of("/etc/apt");

  /** Below this a store cannot hold even one typical package. */
  static final long MIN_CACHE_SIZE = 1L << 20;

  public NodeConfig {
    if (cacheSize < MIN_CACHE_SIZE) {
      throw new IllegalArgumentException("cache-size must be at least 1M, got " + cacheSize + " bytes");
    }
    mirrors = List.copyOf(mirrors);
    allow = List.copyOf(allow);
    keyrings = List.copyOf(keyrings);
    nixKeys = List.copyOf(nixKeys);
    imports = List.copyOf(imports);
    for (Path dir : imports) {
      if (!dir.isAbsolute()) {
        throw new IllegalArgumentException("import: '" + dir + "' is not an absolute path");
      }
    }
    Set<String> names = new HashSet<>();
    for (Mirror m : mirrors) {
      if (!names.add(m.name())) {
        throw new IllegalArgumentException("mirror '" + m.name() + "' is defined twice");
      }
    }
    requirePositive("upstream-timeout", upstreamTimeout);
    requirePositive("reader-stall-timeout", readerStallTimeout);
    if (metadataMaxAge.isNegative()) {
      throw new IllegalArgumentException("metadata-max-age must not be negative");
    }
  }

  /** A configuration that imports no package cache. */
  public NodeConfig(HostPort listen, Path cacheDir, long cacheSize, List<Mirror> mirrors, List<Cidr> allow,
      Duration metadataMaxAge, Duration upstreamTimeout, Duration readerStallTimeout, List<Path> keyrings,
      List<NixKey> nixKeys, Path aptSources) {
    this(listen, cacheDir, cacheSize, mirrors, allow, metadataMaxAge, upstreamTimeout, readerStallTimeout, keyrings,
        nixKeys, aptSources, List.of());
  }

  /** A configuration that trusts only the host's own repository keys. */
  public NodeConfig(HostPort listen, Path cacheDir, long cacheSize, List<Mirror> mirrors, List<Cidr> allow,
      Duration metadataMaxAge, Duration upstreamTimeout, Duration readerStallTimeout) {
    this(listen, cacheDir, cacheSize, mirrors, allow, metadataMaxAge, upstreamTimeout, readerStallTimeout, List.of());
  }

  /** A configuration with this host's apt sources. */
  public NodeConfig(HostPort listen, Path cacheDir, long cacheSize, List<Mirror> mirrors, List<Cidr> allow,
      Duration metadataMaxAge, Duration upstreamTimeout, Duration readerStallTimeout, List<Path> keyrings,
      List<NixKey> nixKeys) {
    this(listen, cacheDir, cacheSize, mirrors, allow, metadataMaxAge, upstreamTimeout, readerStallTimeout, keyrings,
        nixKeys, DEFAULT_APT_SOURCES);
  }

  /** A configuration that trusts only cache.nixos.org's nix key. */
  public NodeConfig(HostPort listen, Path cacheDir, long cacheSize, List<Mirror> mirrors, List<Cidr> allow,
      Duration metadataMaxAge, Duration upstreamTimeout, Duration readerStallTimeout, List<Path> keyrings) {
    this(listen, cacheDir, cacheSize, mirrors, allow, metadataMaxAge, upstreamTimeout, readerStallTimeout, keyrings,
        List.of());
  }

  public static NodeConfig defaults(Map<String, String> env) {
    return new NodeConfig(DEFAULT_LISTEN, defaultCacheDir(env), DEFAULT_CACHE_SIZE, List.of(), List.of(),
        DEFAULT_METADATA_MAX_AGE, DEFAULT_UPSTREAM_TIMEOUT, DEFAULT_READER_STALL_TIMEOUT, List.of(), List.of(),
        DEFAULT_APT_SOURCES, List.of());
  }

  /** {@code $XDG_CACHE_HOME/potluck}, else {@code ~/.cache/potluck}, as the XDG base directory spec says. */
  public static Path defaultCacheDir(Map<String, String> env) {
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, "potluck");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "potluck");
  }

  private static void requirePositive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
