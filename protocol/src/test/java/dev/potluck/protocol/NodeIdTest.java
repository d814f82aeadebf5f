package dev.potluck.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class NodeIdTest {

  @Test
  void random_isLowerHexOf16Bytes() {
    NodeId id = NodeId.random(new SplittableRandom(1));
    assertTrue(id.hex().matches("[0-9a-f]{32}"), id.hex());
    assertEquals(id.hex(), id.toString());
  }

  @Test
  void random_sameSeedGivesSameIds() {
    assertEquals(NodeId.random(new SplittableRandom(99)), NodeId.random(new SplittableRandom(99)));
    assertNotEquals(NodeId.random(new SplittableRandom(99)), NodeId.random(new SplittableRandom(100)));
  }

  @Test
  void random_drawsAreDistinct() {
    SplittableRandom random = new SplittableRandom(5);
    Set<NodeId> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertTrue(seen.add(NodeId.random(random)));
    }
  }

  @Test
  void random_usesEveryByteOfTheGenerator() {
    // A generator of all-ones bytes must show as all 'f': no byte of the id is left unset.
    NodeId id = NodeId.random(new java.util.random.RandomGenerator() {
      @Override
      public long nextLong() {
        return -1L;
      }
    });
    assertEquals("f".repeat(32), id.hex());
  }

  @Test
  void parse_acceptsEitherCaseAndLowerCasesIt() {
    String hex = "00112233445566778899aabbccddeeff";
    assertEquals(new NodeId(hex), NodeId.parse(hex));
    assertEquals(new NodeId(hex), NodeId.parse(hex.toUpperCase()));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"0011223344556677889900aabbccddeeff", "0011223344556677889aabbccddeeff",
      "g0112233445566778899aabbccddeeff", " 0112233445566778899aabbccddeeff", "../../../../../../../etc/passwd!"})
  void parse_refusesNonIds(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeId.parse(text));
    assertTrue(e.getMessage().startsWith("not a node id (32 lower-case hex digits)"), e.getMessage());
  }

  @Test
  void constructor_refusesUpperCase() {
    assertThrows(IllegalArgumentException.class, () -> new NodeId("A".repeat(32)));
  }

  @Test
  void compareTo_ordersByHexWhichIsUnsignedByteOrder() {
    NodeId low = new NodeId("7f" + "f".repeat(30));
    NodeId high = new NodeId("80" + "0".repeat(30));
    NodeId max = new NodeId("f".repeat(32));
    List<NodeId> ids = new ArrayList<>(List.of(max, high, low));
    ids.sort(null);
    assertEquals(List.of(low, high, max), ids);
    assertEquals(0, low.compareTo(new NodeId(low.hex())));
  }
}
