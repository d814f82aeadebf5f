package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

  @Test
  void contains_ipv4Slash24() {
    Cidr cidr = Cidr.parse("192.168.1.0/24");
    assertTrue(cidr.contains(ip("192.168.1.0")));
    assertTrue(cidr.contains(ip("192.168.1.255")));
    assertFalse(cidr.contains(ip("192.168.2.1")));
    assertFalse(cidr.contains(ip("10.0.0.1")));
  }

  @Test
  void contains_prefixNotOnAByteBoundary() {
    Cidr cidr = Cidr.parse("10.1.128.0/17");
    assertTrue(cidr.contains(ip("10.1.200.1")));
    assertFalse(cidr.contains(ip("10.1.127.255")));
  }

  @Test
  void contains_slash0MatchesEveryIpv4AddressOnly() {
    Cidr cidr = Cidr.parse("0.0.0.0/0");
    assertTrue(cidr.contains(ip("8.8.8.8")));
    assertTrue(cidr.contains(ip("255.255.255.255")));
    assertFalse(cidr.contains(ip("::1")));
  }

  @Test
  void contains_slash32IsOneAddress() {
    Cidr cidr = Cidr.parse("10.0.0.5/32");
    assertTrue(cidr.contains(ip("10.0.0.5")));
    assertFalse(cidr.contains(ip("10.0.0.4")));
    assertFalse(cidr.contains(ip("10.0.0.6")));
  }

  @Test
  void parse_bareAddressIsABlockOfOne() {
    assertEquals(Cidr.parse("10.0.0.5/32"), Cidr.parse("10.0.0.5"));
    assertEquals(Cidr.parse("fd00::1/128"), Cidr.parse("fd00::1"));
  }

  @Test
  void contains_ipv6() {
    Cidr cidr = Cidr.parse("fd00::/8");
    assertTrue(cidr.contains(ip("fd12:3456::1")));
    assertFalse(cidr.contains(ip("fe80::1")));
    assertFalse(cidr.contains(ip("10.0.0.1")));
  }

  @Test
  void toString_addressSlashPrefix() {
    assertEquals("192.168.1.0/24", Cidr.parse("192.168.1.0/24").toString());
    assertEquals("10.0.0.5/32", Cidr.parse("10.0.0.5").toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "::/129"})
  void parse_prefixOutOfRange(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    assertTrue(e.getMessage().startsWith("prefix length must be 0-"), e.getMessage());
    assertTrue(e.getMessage().contains(text), e.getMessage());
  }

  @Test
  void parse_prefixNotANumber() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x"));
    assertTrue(e.getMessage().contains("bad prefix length in '10.0.0.0/x'"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/24", "localhost", "example.com/24", "10.0.0.0 /24", "bad.face/32", "cafe", "10.1/16"})
  void parse_notAnAddress(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    assertTrue(e.getMessage().startsWith("not an address block: '" + text + "'"), e.getMessage());
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
