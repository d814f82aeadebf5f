package dev.potluck.node.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.config.Cidr;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccessPolicyTest {

  private final AccessPolicy loopbackOnly = new AccessPolicy(List.of());
  private final AccessPolicy office = new AccessPolicy(List.of(Cidr.parse("192.168.1.0/24"), Cidr.parse("fd00::/8")));

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "::1", "0:0:0:0:0:0:0:1"})
  void allows_loopbackAlways(String address) {
    assertTrue(loopbackOnly.allows(address));
    assertTrue(office.allows(address));
  }

  @Test
  void allows_addressInAnAllowedBlock() {
    assertTrue(office.allows("192.168.1.42"));
    assertTrue(office.allows("fd12:3456::7"));
  }

  @Test
  void allows_addressOutsideEveryBlock() {
    assertFalse(office.allows("192.168.2.42"));
    assertFalse(office.allows("10.0.0.1"));
    assertFalse(office.allows("fe80::1"));
  }

  @Test
  void allows_nothingButLoopbackWithoutBlocks() {
    assertFalse(loopbackOnly.allows("192.168.1.42"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "example.com", "192.168.1.42 ", "192.168.1.42/24", "ip6-localhost", "*", "cafe", "bad.face", "10.1", "1.2.3.4.5", "256.0.0.1"})
  void allows_refusesWhatIsNotAnAddressLiteral(String text) {
    assertFalse(office.allows(text));
  }

  @Test
  void allows_refusesNull() {
    assertFalse(office.allows(null));
  }
}
