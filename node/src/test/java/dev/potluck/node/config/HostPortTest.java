package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostPortTest {

  @Test
  void parse_ipv4() {
    HostPort hp = HostPort.parse("127.0.0.1:7878");
    assertEquals(new HostPort("127.0.0.1", 7878), hp);
    assertEquals("127.0.0.1:7878", hp.toString());
  }

  @Test
  void parse_bracketedIpv6() {
    HostPort hp = HostPort.parse("[::1]:7878");
    assertEquals(new HostPort("::1", 7878), hp);
    assertEquals("[::1]:7878", hp.toString());
  }

  @Test
  void parse_portOnlyMeansAllInterfaces() {
    assertEquals(new HostPort("0.0.0.0", 7878), HostPort.parse(":7878"));
  }

  @Test
  void parse_portOutOfRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:65536"));
    assertTrue(e.getMessage().contains("65536"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:-1"));
  }

  @Test
  void parse_portNotANumber() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:http"));
    assertTrue(e.getMessage().contains("bad port in 'h:http'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:"));
  }

  @Test
  void parse_missingColon() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse("7878"));
    assertTrue(e.getMessage().contains("expected HOST:PORT, got '7878'"), e.getMessage());
  }
}
