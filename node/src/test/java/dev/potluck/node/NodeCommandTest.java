package dev.potluck.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.config.Cidr;
import dev.potluck.node.config.HostPort;
import dev.potluck.node.config.Mirror;
import dev.potluck.node.config.NodeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class NodeCommandTest {

  private static final Map<String, String> ENV = Map.of("XDG_CACHE_HOME", "/srv/xdg");

  @Test
  void toConfig_defaults() {
    NodeConfig config = parse().toConfig(ENV);

    assertEquals(new HostPort("127.0.0.1", 7878), config.listen());
    assertEquals(Path.of("/srv/xdg/potluck"), config.cacheDir());
    assertEquals(10L << 30, config.cacheSize());
    assertEquals(List.of(), config.mirrors());
    assertEquals(List.of(), config.allow());
    assertEquals(NodeConfig.DEFAULT_METADATA_MAX_AGE, config.metadataMaxAge());
    assertEquals(NodeConfig.DEFAULT_UPSTREAM_TIMEOUT, config.upstreamTimeout());
  }

  @Test
  void toConfig_flagsOverrideDefaults() {
    NodeConfig config = parse("--listen", "0.0.0.0:9000", "--cache-dir", "/data/potluck", "--cache-size", "2G",
        "--metadata-max-age", "10m", "--upstream-timeout", "5s").toConfig(ENV);

    assertEquals(new HostPort("0.0.0.0", 9000), config.listen());
    assertEquals(Path.of("/data/potluck"), config.cacheDir());
    assertEquals(2L << 30, config.cacheSize());
    assertEquals(Duration.ofMinutes(10), config.metadataMaxAge());
    assertEquals(Duration.ofSeconds(5), config.upstreamTimeout());
  }

  @Test
  void toConfig_relativeCacheDirMadeAbsolute() {
    NodeConfig config = parse("--cache-dir", "cache").toConfig(ENV);

    assertEquals(Path.of("cache").toAbsolutePath(), config.cacheDir());
  }

  @Test
  void toConfig_repeatedMirrorsAndAllows() {
    NodeConfig config = parse("--mirror", "debian=https://deb.debian.org/debian/", "--mirror=arch=https://mirror.example",
        "--allow", "10.0.0.0/8", "--allow", "fd00::/8").toConfig(ENV);

    assertEquals(List.of(new Mirror("debian", "https://deb.debian.org/debian"), new Mirror("arch", "https://mirror.example")),
        config.mirrors());
    assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8")), config.allow());
  }

  @ParameterizedTest
  @CsvSource({
      "--cache-size, lots",
      "--listen, nowhere",
      "--mirror, debian",
      "--allow, 10.0.0.0/99",
      "--metadata-max-age, soon",
      "--upstream-timeout, 5x"})
  void toConfig_badValueNamesTheFlag(String flag, String value) {
    NodeCommand command = parse(flag, value);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toConfig(ENV));
    assertTrue(e.getMessage().startsWith(flag + ": "), e.getMessage());
  }

  @Test
  void toConfig_valueBelowTheMinimumNamesTheSetting() {
    NodeCommand command = parse("--cache-size", "512K");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toConfig(ENV));
    assertTrue(e.getMessage().contains("cache-size"), e.getMessage());
  }

  @Test
  void toConfig_duplicateMirrorNamesRefused() {
    NodeCommand command = parse("--mirror", "d=https://a.example/", "--mirror", "d=https://b.example/");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toConfig(ENV));
    assertTrue(e.getMessage().contains("'d'"), e.getMessage());
  }

  @Test
  void run_helpExitsZero() {
    assertEquals(0, Main.run("node", "--help"));
  }

  @Test
  void run_unknownOptionIsAUsageError() {
    assertEquals(2, Main.run("node", "--bogus"));
  }

  private static NodeCommand parse(String... args) {
    NodeCommand command = new NodeCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }
}
