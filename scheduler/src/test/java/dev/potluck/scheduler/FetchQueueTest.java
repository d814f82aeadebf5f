package dev.potluck.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FetchQueueTest {

  private static Action.FetchUpstream fetch(String name) {
    return new Action.FetchUpstream(name.hashCode(), new ObjectKey(Sha256.of(name).hex()), "http://x/" + name, 0);
  }

  @Test
  void underTheLimit_everyFetchStartsAtOnce() {
    FetchQueue queue = new FetchQueue(2);
    assertEquals(Optional.of(fetch("a")), queue.offer(fetch("a")));
    assertEquals(Optional.of(fetch("b")), queue.offer(fetch("b")));
    assertEquals(2, queue.running());
  }

  @Test
  void atTheLimit_theMostWantedWaitingFetchTakesTheFreedSlot() {
    FetchQueue queue = new FetchQueue(1);
    queue.offer(fetch("running"));
    assertTrue(queue.offer(fetch("few")).isEmpty());
    assertTrue(queue.offer(fetch("many")).isEmpty());
    assertTrue(queue.offer(fetch("also-few")).isEmpty());
    Map<ObjectKey, Integer> demand = Map.of(fetch("few").key(), 1, fetch("many").key(), 7,
        fetch("also-few").key(), 1);

    assertEquals(Optional.of(fetch("many")), queue.finished(fetch("running").key(), demand::get));
    assertEquals(Optional.of(fetch("few")), queue.finished(fetch("many").key(), demand::get), "ties: first come");
    assertEquals(Optional.of(fetch("also-few")), queue.finished(fetch("few").key(), demand::get));
    assertEquals(Optional.empty(), queue.finished(fetch("also-few").key(), demand::get));
    assertEquals(0, queue.running());
  }

  @Test
  void aWaitingFetchThatEnds_leavesTheQueueWithoutFreeingASlot() {
    FetchQueue queue = new FetchQueue(1);
    queue.offer(fetch("running"));
    queue.offer(fetch("gone"));
    assertEquals(Optional.empty(), queue.finished(fetch("gone").key(), k -> 0));
    assertEquals(1, queue.running());
    assertEquals(0, queue.waiting());
  }

  @Test
  void sameKeyAgain_keepsItsSlot() {
    FetchQueue queue = new FetchQueue(1);
    queue.offer(fetch("a"));
    assertEquals(Optional.of(fetch("a")), queue.offer(fetch("a")));
    assertEquals(1, queue.running());
  }

  @Test
  void zeroSlots_rejected() {
    assertThrows(IllegalArgumentException.class, () -> new FetchQueue(0));
  }
}
