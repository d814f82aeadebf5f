package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

  private static final Path DIR = Path.of("/var/cache/potluck");

  @Test
  void defaults_loopbackListenerAndTenGib() {
    NodeConfig config = NodeConfig.defaults(Map.of("XDG_CACHE_HOME", "/srv/cache"));

    assertEquals(new HostPort("127.0.0.1", 7878), config.listen());
    assertEquals(10L << 30, config.cacheSize());
    assertEquals(Path.of("/srv/cache/potluck"), config.cacheDir());
    assertEquals(List.of(), config.mirrors());
    assertEquals(List.of(), config.allow());
  }

  @Test
  void constructor_cacheSizeBelowOneMib() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config((1L << 20) - 1, List.of()));
    assertEquals("cache-size must be at least 1M, got 1048575 bytes", e.getMessage());
  }

  @Test
  void constructor_cacheSizeOfExactlyOneMib() {
    assertEquals(1L << 20, config(1L << 20, List.of()).cacheSize());
  }

  @Test
  void constructor_duplicateMirrorNames() {
    List<Mirror> mirrors = List.of(Mirror.parse("debian=https://deb.debian.org/debian"),
        Mirror.parse("debian=https://ftp.debian.org/debian"));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(1L << 30, mirrors));
    assertEquals("mirror 'debian' is defined twice", e.getMessage());
  }

  @Test
  void constructor_copiesLists() {
    List<Mirror> mirrors = new ArrayList<>(List.of(Mirror.parse("debian=https://deb.debian.org/debian")));
    NodeConfig config = config(1L << 30, mirrors);

    mirrors.clear();

    assertEquals(1, config.mirrors().size());
  }

  @Test
  void constructor_nonPositiveTimeoutsNamed() {
    IllegalArgumentException upstream = assertThrows(IllegalArgumentException.class, () -> new NodeConfig(
        NodeConfig.DEFAULT_LISTEN, DIR, 1L << 30, List.of(), List.of(), Duration.ofMinutes(5), Duration.ZERO,
        Duration.ofSeconds(60)));
    assertEquals("upstream-timeout must be positive, got PT0S", upstream.getMessage());

    IllegalArgumentException stall = assertThrows(IllegalArgumentException.class, () -> new NodeConfig(
        NodeConfig.DEFAULT_LISTEN, DIR, 1L << 30, List.of(), List.of(), Duration.ofMinutes(5), Duration.ofSeconds(30),
        Duration.ofSeconds(-1)));
    assertEquals("reader-stall-timeout must be positive, got PT-1S", stall.getMessage());
  }

  @Test
  void constructor_negativeMetadataMaxAge() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NodeConfig(
        NodeConfig.DEFAULT_LISTEN, DIR, 1L << 30, List.of(), List.of(), Duration.ofSeconds(-1), Duration.ofSeconds(30),
        Duration.ofSeconds(60)));
    assertEquals("metadata-max-age must not be negative", e.getMessage());
  }

  @Test
  void defaultCacheDir_xdgCacheHome() {
    assertEquals(Path.of("/srv/cache/potluck"), NodeConfig.defaultCacheDir(Map.of("XDG_CACHE_HOME", "/srv/cache")));
  }

  @Test
  void defaultCacheDir_withoutXdgCacheHomeUsesHomeCache() {
    Path expected = Path.of(System.getProperty("user.home"), ".cache", "potluck");

    assertEquals(expected, NodeConfig.defaultCacheDir(Map.of()));
  }

  @Test
  void defaultCacheDir_blankOrRelativeXdgCacheHomeIgnored() {
    // The XDG spec says a relative path is invalid and must be ignored.
    Path expected = Path.of(System.getProperty("user.home"), ".cache", "potluck");

    assertEquals(expected, NodeConfig.defaultCacheDir(Map.of("XDG_CACHE_HOME", " ")));
    assertEquals(expected, NodeConfig.defaultCacheDir(Map.of("XDG_CACHE_HOME", "relative/cache")));
  }

  private static NodeConfig config(long cacheSize, List<Mirror> mirrors) {
    return new NodeConfig(NodeConfig.DEFAULT_LISTEN, DIR, cacheSize, mirrors, List.of(),
        NodeConfig.DEFAULT_METADATA_MAX_AGE, NodeConfig.DEFAULT_UPSTREAM_TIMEOUT, NodeConfig.DEFAULT_READER_STALL_TIMEOUT);
  }
}
