package dev.potluck.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RendezvousTest {

  private static List<NodeId> nodes(int n) {
    Random random = new Random(42);
    List<NodeId> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(NodeId.random(random));
    }
    return out;
  }

  private static ObjectKey key(int i) {
    return new ObjectKey(Sha256.of("key-" + i).hex());
  }

  @Test
  void bits_areTheUnsignedValueOfTheHexDigits_soEveryVersionAgreesOnOwners() {
    NodeId node = NodeId.parse("ffeeddccbbaa99887766554433221100");
    assertEquals(0xffeeddccbbaa9988L ^ 0x7766554433221100L, Rendezvous.nodeBits(node));
    ObjectKey key = key(7);
    assertEquals(Long.parseUnsignedLong(key.id().substring(0, 16), 16), Rendezvous.keyBits(key));
  }

  @Test
  void owner_independentOfMemberOrder() {
    List<NodeId> members = nodes(10);
    List<NodeId> reversed = new ArrayList<>(members);
    java.util.Collections.reverse(reversed);
    for (int i = 0; i < 1000; i++) {
      assertEquals(Rendezvous.owner(key(i), members), Rendezvous.owner(key(i), reversed));
    }
  }

  @Test
  void owner_spreadsKeysEvenly() {
    List<NodeId> members = nodes(10);
    Map<NodeId, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      counts.merge(Rendezvous.owner(key(i), members), 1, Integer::sum);
    }
    assertEquals(10, counts.size());
    for (int c : counts.values()) {
      assertTrue(c > 800 && c < 1200, "a member owns " + c + " of 10000 keys; expected about 1000");
    }
  }

  @Test
  void owner_memberLeaving_movesOnlyItsKeys() {
    List<NodeId> members = nodes(10);
    NodeId leaving = members.get(3);
    List<NodeId> after = new ArrayList<>(members);
    after.remove(leaving);
    for (int i = 0; i < 5000; i++) {
      NodeId before = Rendezvous.owner(key(i), members);
      NodeId now = Rendezvous.owner(key(i), after);
      if (!before.equals(leaving)) {
        assertEquals(before, now, "key " + i + " moved although its owner stayed");
      }
    }
  }
}
