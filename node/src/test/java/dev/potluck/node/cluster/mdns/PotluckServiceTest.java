package dev.potluck.node.cluster.mdns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.NodeId;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PotluckServiceTest {

  private static final Random RANDOM = new Random(7);
  private static final NodeId ME = NodeId.random(RANDOM);
  private static final NodeId OTHER = NodeId.random(RANDOM);
  private static final PotluckService SELF = new PotluckService(ME, "office", 7879, 7800);

  private static Map<String, String> txt(String key, String value) {
    Map<String, String> txt = new HashMap<>(new PotluckService(OTHER, "office", 7879, 7800).txt());
    if (value == null) {
      txt.remove(key);
    } else {
      txt.put(key, value);
    }
    return txt;
  }

  @Test
  void txt_carriesEveryKey() {
    assertEquals(Map.of("id", ME.hex(), "cluster", "office", "proto", "1", "http", "7879", "jgroups", "7800"),
        SELF.txt());
    assertEquals(ME.hex(), SELF.instanceName());
    assertEquals("_potluck._tcp.local.", PotluckService.TYPE);
  }

  @Test
  void parse_roundTrip() {
    assertEquals(Optional.of(SELF), PotluckService.parse(SELF.txt()));
  }

  @Test
  void parse_ignoresUnknownKeys() {
    Map<String, String> txt = txt("future", "something");
    assertEquals(Optional.of(new PotluckService(OTHER, "office", 7879, 7800)), PotluckService.parse(txt));
  }

  @Test
  void parse_upperCaseIdIsTheSameNode() {
    assertEquals(OTHER, PotluckService.parse(txt("id", OTHER.hex().toUpperCase())).orElseThrow().id());
  }

  @Test
  void parse_emptyTxtIsIncomplete() {
    // JmDNS may report a service before its TXT arrives.
    assertEquals(Optional.empty(), PotluckService.parse(Map.of()));
    assertEquals(Optional.empty(), PotluckService.parse(null));
  }

  @ParameterizedTest
  @ValueSource(strings = {"id", "cluster", "proto", "http", "jgroups"})
  void parse_missingKeyIsRejected(String key) {
    assertEquals(Optional.empty(), PotluckService.parse(txt(key, null)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "0123", "zz" + "00000000000000000000000000000000"})
  void parse_badIdIsRejected(String id) {
    assertEquals(Optional.empty(), PotluckService.parse(txt("id", id)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "-1", "+80", " 80", "080", "65536", "99999999999", "80x", "7800.0"})
  void parse_badPortIsRejected(String port) {
    assertEquals(Optional.empty(), PotluckService.parse(txt("http", port)));
    assertEquals(Optional.empty(), PotluckService.parse(txt("jgroups", port)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "has space", "slash/name", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
  void parse_badClusterNameIsRejected(String cluster) {
    assertEquals(Optional.empty(), PotluckService.parse(txt("cluster", cluster)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "2", "1.0", " 1"})
  void parse_otherProtocolVersionIsRejected(String proto) {
    assertEquals(Optional.empty(), PotluckService.parse(txt("proto", proto)));
  }

  @Test
  void parse_extremePortsAccepted() {
    Map<String, String> txt = txt("http", "1");
    txt.put("jgroups", "65535");
    PotluckService parsed = PotluckService.parse(txt).orElseThrow();
    assertEquals(1, parsed.httpPort());
    assertEquals(65535, parsed.jgroupsPort());
  }

  @Test
  void isPeer_sameClusterOtherNode() {
    assertTrue(SELF.isPeer(PotluckService.parse(txt("id", OTHER.hex())).orElseThrow()));
  }

  @Test
  void isPeer_notOtherCluster() {
    assertFalse(SELF.isPeer(PotluckService.parse(txt("cluster", "lab")).orElseThrow()));
  }

  @Test
  void isPeer_notItself() {
    assertFalse(SELF.isPeer(new PotluckService(ME, "office", 9999, 9998)));
  }

  @Test
  void new_rejectsBadFieldsNamingThem() {
    IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
        () -> new PotluckService(ME, "office", 0, 7800));
    assertTrue(port.getMessage().contains("http port"), port.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new PotluckService(ME, "office", 7879, 70000));
    assertThrows(IllegalArgumentException.class, () -> new PotluckService(ME, "bad name", 7879, 7800));
    assertThrows(NullPointerException.class, () -> new PotluckService(null, "office", 7879, 7800));
  }
}
