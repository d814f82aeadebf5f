package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SwarmConfigTest {

  private static final InetAddress LAN = IpLiteral.parse("192.168.1.20");
  private static final byte[] SECRET = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);

  @Test
  void defaults_boundToTheGivenAddress() {
    SwarmConfig config = SwarmConfig.defaults(LAN);

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
  void defaults_withoutAnAddressFallBackToLoopback() {
    SwarmConfig config = SwarmConfig.defaults(null);

    assertEquals(IpLiteral.parse("127.0.0.1"), config.bind());
    assertTrue(config.bindIsFallback());
  }

  @Test
  void defaults_detectedAddressOrFallback() {
    InetAddress detected = SwarmConfig.detectBind();

    SwarmConfig config = SwarmConfig.defaults();

    assertEquals(detected == null, config.bindIsFallback());
    assertEquals(detected == null ? SwarmConfig.FALLBACK_BIND : detected, config.bind());
  }

  @Test
  void detectBind_anIpv4AddressOfAnUpNonLoopbackInterface() throws Exception {
    InetAddress detected = SwarmConfig.detectBind();
    if (detected == null) {
      return; // a host without a LAN address: nothing more to check
    }

    assertTrue(detected instanceof Inet4Address, detected.toString());
    assertFalse(detected.isLoopbackAddress());
    NetworkInterface owner = NetworkInterface.getByInetAddress(detected);
    assertTrue(owner.isUp() && !owner.isLoopback(), owner.toString());
    assertEquals(detected, SwarmConfig.detectBind());
  }

  @Test
  void constructor_copiesSeedsAndSecret() {
    List<InetSocketAddress> seeds = new ArrayList<>(List.of(new InetSocketAddress(LAN, 7800)));
    byte[] secret = SECRET.clone();
    SwarmConfig config = config(seeds, secret, 7879, 7800);

    seeds.clear();
    secret[0] = 'X';
    config.secret()[1] = 'Y';

    assertEquals(1, config.seeds().size());
    assertArrayEquals(SECRET, config.secret());
  }

  @Test
  void constructor_wildcardBindRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SwarmConfig(
        IpLiteral.parse("0.0.0.0"), false, 7879, 7800, "potluck", List.of(), true, null, 8, 0));
    assertEquals("bind must be one address of this host, not the wildcard 0.0.0.0", e.getMessage());
  }

  @Test
  void constructor_ipv6BindRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SwarmConfig(
        IpLiteral.parse("fd00::1"), false, 7879, 7800, "potluck", List.of(), true, null, 8, 0));
    assertTrue(e.getMessage().startsWith("bind must be an IPv4 address"), e.getMessage());
  }

  @Test
  void constructor_fallbackMustBeLoopback() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SwarmConfig(
        LAN, true, 7879, 7800, "potluck", List.of(), true, null, 8, 0));
    assertTrue(e.getMessage().contains("192.168.1.20"), e.getMessage());
  }

  @Test
  void constructor_portsOutOfRangeNamed() {
    IllegalArgumentException peer = assertThrows(IllegalArgumentException.class, () -> config(List.of(), null, 65536, 7800));
    assertEquals("peer-port must be 0-65535, got 65536", peer.getMessage());
    IllegalArgumentException cluster = assertThrows(IllegalArgumentException.class, () -> config(List.of(), null, 7879, -1));
    assertEquals("cluster-port must be 0-65535, got -1", cluster.getMessage());
  }

  @Test
  void constructor_samePortsRefusedUnlessEphemeral() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(List.of(), null, 7800, 7800));
    assertEquals("cluster-port and peer-port must differ, both are 7800", e.getMessage());

    SwarmConfig ephemeral = config(List.of(), null, 0, 0);
    assertEquals(0, ephemeral.peerPort());
    assertEquals(0, ephemeral.clusterPort());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "my cluster", "a/b"})
  void constructor_badClusterNameQuoted(String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SwarmConfig(
        LAN, false, 7879, 7800, name, List.of(), true, null, 8, 0));
    assertTrue(e.getMessage().startsWith("cluster name must be") && e.getMessage().endsWith("'" + name + "'"), e.getMessage());
  }

  @Test
  void constructor_shortSecretRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(List.of(), new byte[15], 7879, 7800));
    assertEquals("the cluster secret must have at least 16 bytes, has 15", e.getMessage());
  }

  @Test
  void constructor_unresolvedOrPortlessSeedRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> config(List.of(InetSocketAddress.createUnresolved("elsewhere", 7800)), null, 7879, 7800));
    assertThrows(IllegalArgumentException.class, () -> config(List.of(new InetSocketAddress(LAN, 0)), null, 7879, 7800));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 1025})
  void constructor_maxUploadsOutOfRange(int maxUploads) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SwarmConfig(
        LAN, false, 7879, 7800, "potluck", List.of(), true, null, maxUploads, 0));
    assertEquals("max-uploads must be 1-1024, got " + maxUploads, e.getMessage());
  }

  @Test
  void constructor_negativeUploadRate() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SwarmConfig(
        LAN, false, 7879, 7800, "potluck", List.of(), true, null, 8, -1));
    assertEquals("upload-rate must not be negative, got -1", e.getMessage());
  }

  @Test
  void equals_comparesSecretByContent() {
    assertEquals(config(List.of(), SECRET.clone(), 7879, 7800), config(List.of(), SECRET.clone(), 7879, 7800));
    assertEquals(config(List.of(), SECRET.clone(), 7879, 7800).hashCode(),
        config(List.of(), SECRET.clone(), 7879, 7800).hashCode());
    assertNotEquals(config(List.of(), SECRET.clone(), 7879, 7800), config(List.of(), null, 7879, 7800));
  }

  @Test
  void toString_neverShowsTheSecret() {
    String text = config(List.of(new InetSocketAddress(LAN, 7801)), SECRET.clone(), 7879, 7800).toString();

    assertFalse(text.contains("horse"), text);
    assertFalse(text.contains(new String(SECRET, StandardCharsets.ISO_8859_1)), text);
    assertTrue(text.contains("secret=(hidden)"), text);
    assertTrue(text.contains("seeds=[192.168.1.20:7801]"), text);
    assertTrue(SwarmConfig.defaults(LAN).toString().contains("secret=none"));
  }

  @Test
  void parseBind_ipv4LiteralAndName() {
    assertEquals(LAN, SwarmConfig.parseBind("192.168.1.20"));
    assertEquals(IpLiteral.parse("127.0.0.1"), SwarmConfig.parseBind("localhost"));
  }

  @Test
  void parseBind_wildcardRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SwarmConfig.parseBind("0.0.0.0"));
    assertTrue(e.getMessage().startsWith("cannot bind to the wildcard '0.0.0.0'"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"::1", "[fd00::1]", "fe80::1%1"})
  void parseBind_ipv6Refused(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SwarmConfig.parseBind(text));
    assertTrue(e.getMessage().startsWith("IPv6 is not supported: '" + text + "'"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.1", "256.1.1.1", "192.168.1.20:7800", "-", "a_b"})
  void parseBind_notAnAddressQuoted(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SwarmConfig.parseBind(text));
    assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
  }

  @Test
  void parseBind_unresolvableName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SwarmConfig.parseBind("no-such-host.invalid"));
    assertEquals("cannot resolve 'no-such-host.invalid'", e.getMessage());
  }

  @Test
  void parseBind_multicastRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SwarmConfig.parseBind("224.0.0.251"));
    assertEquals("'224.0.0.251' is a multicast address", e.getMessage());
  }

  @Test
  void parseSeed_literalAndName() {
    assertEquals(new InetSocketAddress(LAN, 7800), SwarmConfig.parseSeed("192.168.1.20:7800"));
    InetSocketAddress local = SwarmConfig.parseSeed("localhost:7801");
    assertEquals(IpLiteral.parse("127.0.0.1"), local.getAddress());
    assertEquals(7801, local.getPort());
  }

  @ParameterizedTest
  @ValueSource(strings = {"192.168.1.20", ":7800", "0.0.0.0:7800", "192.168.1.20:0", "192.168.1.20:65536",
      "192.168.1.20:x", "[::1]:7800", "no-such-host.invalid:7800"})
  void parseSeed_bad(String text) {
    assertThrows(IllegalArgumentException.class, () -> SwarmConfig.parseSeed(text));
  }

  @Test
  void parseSeed_portZeroNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SwarmConfig.parseSeed("10.0.0.2:0"));
    assertEquals("seed port must be 1-65535 in '10.0.0.2:0'", e.getMessage());
  }

  private static SwarmConfig config(List<InetSocketAddress> seeds, byte[] secret, int peerPort, int clusterPort) {
    return new SwarmConfig(LAN, false, peerPort, clusterPort, "potluck", seeds, true, secret, 8, 0);
  }
}
