package dev.potluck.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.config.Cidr;
import dev.potluck.node.config.HostPort;
import dev.potluck.node.config.Mirror;
import dev.potluck.node.config.NodeConfig;
import dev.potluck.node.config.SwarmConfig;
import dev.potluck.node.trust.nix.NixKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class NodeCommandTest {

  private static final Map<String, String> ENV = Map.of("XDG_CACHE_HOME", "/srv/xdg");
  private static final InetAddress LAN = address("192.168.1.20");
  private static final String SECRET = "correct horse battery staple";
  /** A key as {@code nix-store --generate-binary-cache-key} writes its public half. */
  private static final String OFFICE_KEY = "office-cache-1:L7u33BvR0Tx1bb6VJvDU/yWyrpOwnKADFZwlSVYNMcE=";

  @TempDir Path dir;

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
    assertEquals(List.of(), config.keyrings());
    assertEquals(List.of(), config.nixKeys());
  }

  @Test
  void toConfig_repeatedNixKeys() {
    NodeConfig config = parse("--nix-key", OFFICE_KEY, "--nix-key=" + NixKey.CACHE_NIXOS_ORG).toConfig(ENV);

    assertEquals(List.of(NixKey.parse(OFFICE_KEY), NixKey.CACHE_NIXOS_ORG), config.nixKeys());
  }

  @Test
  void toConfig_nixKeysFromConfigFile() throws IOException {
    Path file = Files.writeString(dir.resolve("potluck.conf"), "nix-key = " + OFFICE_KEY + "\n");

    NodeConfig config = parseNode("--config", file.toString()).withConfigFile().toConfig(ENV);

    assertEquals(List.of(NixKey.parse(OFFICE_KEY)), config.nixKeys());
  }

  @Test
  void toConfig_importsFromFlagsAndConfigFile_repeatable() throws IOException {
    Path apt = Files.createDirectories(dir.resolve("apt/archives"));
    Path pacman = Files.createDirectories(dir.resolve("pacman/pkg"));
    Path file = Files.writeString(dir.resolve("potluck.conf"), "import = " + apt + "\nimport = " + pacman + "\n");

    assertEquals(List.of(apt, pacman), parseNode("--config", file.toString()).withConfigFile().toConfig(ENV).imports());
    assertEquals(List.of(apt), parse("--import", apt.toString()).toConfig(ENV).imports());
    assertEquals(List.of(), parse().toConfig(ENV).imports());
  }

  @Test
  void toConfig_importOfAMissingFolderOrAFile_namesTheFlag() throws IOException {
    Path missing = dir.resolve("nope");
    assertEquals("--import: " + missing + ": no such folder", assertThrows(IllegalArgumentException.class,
        () -> parse("--import", missing.toString()).toConfig(ENV)).getMessage());
    Path file = Files.writeString(dir.resolve("a.deb"), "x");
    assertEquals("--import: " + file + " is not a folder", assertThrows(IllegalArgumentException.class,
        () -> parse("--import", file.toString()).toConfig(ENV)).getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "office-cache-1                 | expected NAME:BASE64",
      "office-cache-1:AAAA            | the key is 3 bytes, but an Ed25519 public key is 32",
      "office-cache-1:%%%             | the part after the name is not base64"})
  void toConfig_malformedNixKeyNamesTheFlag(String value, String why) {
    NodeCommand command = parse("--nix-key", value);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toConfig(ENV));
    assertTrue(e.getMessage().startsWith("--nix-key: not a nix public key '" + value + "': " + why), e.getMessage());
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
  void toSwarmConfig_defaults() {
    SwarmConfig config = parse().toSwarmConfig(() -> LAN);

    assertEquals(SwarmConfig.defaults(LAN), config);
    assertEquals(LAN, config.bind());
    assertFalse(config.bindIsFallback());
    assertEquals(7879, config.peerPort());
    assertEquals(7800, config.clusterPort());
    assertEquals("potluck", config.clusterName());
    assertEquals(List.of(), config.seeds());
    assertTrue(config.mdns());
    assertNull(config.secret());
    assertEquals(16, config.maxUploads());
    assertEquals(0, config.uploadRateBytesPerSecond());
  }

  @Test
  void toSwarmConfig_noLanAddressFallsBackToLoopback() {
    SwarmConfig config = parse().toSwarmConfig(() -> null);

    assertEquals(address("127.0.0.1"), config.bind());
    assertTrue(config.bindIsFallback());
  }

  @Test
  void toSwarmConfig_withoutBindUsesTheDetectedAddress() {
    assertEquals(SwarmConfig.defaults(), parse().toSwarmConfig());
  }

  @Test
  void toSwarmConfig_everyFlag() throws IOException {
    Path secret = Files.writeString(dir.resolve("secret"), SECRET + "\n");

    SwarmConfig config = parse("--bind", "10.0.0.5", "--peer-port", "9879", "--cluster-port", "9800",
        "--cluster", "office-2", "--seed", "10.0.0.6:9800", "--seed=127.0.0.1:7801", "--no-mdns",
        "--secret-file", secret.toString(), "--max-uploads", "3", "--upload-rate", "100mbit")
        .toSwarmConfig(() -> { throw new AssertionError("--bind was given: nothing to detect"); });

    assertEquals(address("10.0.0.5"), config.bind());
    assertFalse(config.bindIsFallback());
    assertEquals(9879, config.peerPort());
    assertEquals(9800, config.clusterPort());
    assertEquals("office-2", config.clusterName());
    assertEquals(List.of(new InetSocketAddress(address("10.0.0.6"), 9800), new InetSocketAddress(address("127.0.0.1"), 7801)),
        config.seeds());
    assertFalse(config.mdns());
    assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), config.secret());
    assertEquals(3, config.maxUploads());
    assertEquals(12_500_000, config.uploadRateBytesPerSecond());
  }

  @Test
  void toSwarmConfig_loopbackBindGivenIsNotAFallback() {
    SwarmConfig config = parse("--bind", "127.0.0.1").toSwarmConfig(() -> LAN);

    assertEquals(address("127.0.0.1"), config.bind());
    assertFalse(config.bindIsFallback());
  }

  @Test
  void toSwarmConfig_ephemeralPorts() {
    SwarmConfig config = parse("--peer-port", "0", "--cluster-port", "0").toSwarmConfig(() -> LAN);

    assertEquals(0, config.peerPort());
    assertEquals(0, config.clusterPort());
  }

  @Test
  void toSwarmConfig_rateInBytesPerSecond() {
    assertEquals(25L << 19, parse("--upload-rate", "12.5M").toSwarmConfig(() -> LAN).uploadRateBytesPerSecond());
    assertEquals(0, parse("--upload-rate", "unlimited").toSwarmConfig(() -> LAN).uploadRateBytesPerSecond());
  }

  @Test
  void toSwarmConfig_fromConfigFile() throws IOException {
    Path secret = Files.writeString(dir.resolve("secret"), SECRET + "\n\n");
    Path file = Files.writeString(dir.resolve("potluck.conf"), String.join("\n",
        "bind = 10.0.0.5",
        "peer-port = 9879",
        "cluster-port = 9800",
        "cluster = office-2",
        "seed = 10.0.0.6:9800",
        "seed = 10.0.0.7:9800",
        "no-mdns = true",
        "secret-file = " + secret,
        "max-uploads = 3",
        "upload-rate = 1gbit",
        ""));

    SwarmConfig config = parseNode("--config", file.toString()).withConfigFile().toSwarmConfig(() -> LAN);

    assertEquals(address("10.0.0.5"), config.bind());
    assertEquals(9879, config.peerPort());
    assertEquals(9800, config.clusterPort());
    assertEquals("office-2", config.clusterName());
    assertEquals(List.of(new InetSocketAddress(address("10.0.0.6"), 9800), new InetSocketAddress(address("10.0.0.7"), 9800)),
        config.seeds());
    assertFalse(config.mdns());
    assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), config.secret());
    assertEquals(3, config.maxUploads());
    assertEquals(125_000_000, config.uploadRateBytesPerSecond());
  }

  @Test
  void toSwarmConfig_configFileSwitchOffAndFlagsWin() throws IOException {
    Path file = Files.writeString(dir.resolve("potluck.conf"), "no-mdns = false\nmax-uploads = 3\n");

    SwarmConfig config = parseNode("--config", file.toString(), "--max-uploads", "5").withConfigFile()
        .toSwarmConfig(() -> LAN);

    assertTrue(config.mdns());
    assertEquals(5, config.maxUploads());
  }

  @Test
  void toSwarmConfig_badValueInConfigFileNamesTheFlag() throws IOException {
    Path file = Files.writeString(dir.resolve("potluck.conf"), "upload-rate = fast\n");
    NodeCommand command = parseNode("--config", file.toString()).withConfigFile();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toSwarmConfig(() -> LAN));
    assertTrue(e.getMessage().startsWith("--upload-rate: not a rate: 'fast'"), e.getMessage());
  }

  @Test
  void toSwarmConfig_missingSecretFileNamed() {
    Path missing = dir.resolve("no-secret");
    NodeCommand command = parse("--secret-file", missing.toString());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toSwarmConfig(() -> LAN));
    assertEquals("--secret-file: secret file not found: " + missing, e.getMessage());
  }

  @Test
  void toSwarmConfig_shortSecretSaysHowManyBytes() throws IOException {
    Path secret = Files.writeString(dir.resolve("secret"), "too short\n");
    NodeCommand command = parse("--secret-file", secret.toString());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toSwarmConfig(() -> LAN));
    assertTrue(e.getMessage().startsWith("--secret-file: secret file " + secret + " holds 9 bytes"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
      "--bind, 0.0.0.0, '0.0.0.0'",
      "--bind, ::1, '::1'",
      "--bind, no-such-host.invalid, cannot resolve 'no-such-host.invalid'",
      "--peer-port, http, 'http'",
      "--cluster-port, 78OO, '78OO'",
      "--max-uploads, many, 'many'",
      "--seed, 10.0.0.6, '10.0.0.6'",
      "--seed, 10.0.0.6:0, '10.0.0.6:0'",
      "--seed, no-such-host.invalid:7800, cannot resolve 'no-such-host.invalid'",
      "--upload-rate, fast, 'fast'",
      "--upload-rate, -1M, '-1M'",
      "--upload-rate, 99999999999T, '99999999999T'",
      "--upload-rate, 100mbps, '100mbps'"})
  void toSwarmConfig_badValueNamesTheFlag(String flag, String value, String quoted) {
    NodeCommand command = parse(flag, value);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toSwarmConfig(() -> LAN));
    assertTrue(e.getMessage().startsWith(flag + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(quoted), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "--peer-port    | 65536      | peer-port must be 0-65535, got 65536",
      "--peer-port    | -1         | peer-port must be 0-65535, got -1",
      "--cluster-port | 70000      | cluster-port must be 0-65535, got 70000",
      "--max-uploads  | 0          | max-uploads must be 1-1024, got 0",
      "--max-uploads  | 1025       | max-uploads must be 1-1024, got 1025",
      "--cluster      | my cluster | cluster name must be 1-64 letters, digits, '.', '_' or '-': 'my cluster'"})
  void toSwarmConfig_valueOutOfRangeNamesTheSetting(String flag, String value, String message) {
    NodeCommand command = parse(flag, value);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toSwarmConfig(() -> LAN));
    assertEquals(message, e.getMessage());
  }

  @Test
  void toSwarmConfig_samePeerAndClusterPortRefused() {
    NodeCommand command = parse("--peer-port", "7800");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.toSwarmConfig(() -> LAN));
    assertEquals("cluster-port and peer-port must differ, both are 7800", e.getMessage());
  }

  @Test
  void run_helpExitsZero() {
    assertEquals(0, Main.run("node", "--help"));
  }

  @Test
  void run_unknownOptionIsAUsageError() {
    assertEquals(2, Main.run("node", "--bogus"));
  }

  /** Parses as {@code potluck node ARGS}, as the config file needs. */
  private static NodeCommand parseNode(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("node"));
    all.addAll(List.of(args));
    CommandLine.ParseResult result = new CommandLine(new Main()).parseArgs(all.toArray(String[]::new));
    return (NodeCommand) result.subcommand().commandSpec().userObject();
  }

  private static InetAddress address(String literal) {
    return dev.potluck.node.config.IpLiteral.parse(literal);
  }

  private static NodeCommand parse(String... args) {
    NodeCommand command = new NodeCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }
}
