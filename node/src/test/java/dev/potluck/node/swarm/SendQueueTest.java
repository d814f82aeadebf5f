package dev.potluck.node.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SendQueueTest {

  @Test
  void offer_whileASendIsBlocked_keepsAtMostCapacityWaiting_andDropsTheRest() throws Exception {
    SendQueue queue = new SendQueue("test-send", 100);
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch sending = new CountDownLatch(1);
    List<Integer> sent = new CopyOnWriteArrayList<>();
    // The first send blocks, as a send to a member that stopped reading does under flow control.
    queue.offer(() -> {
      sending.countDown();
      try {
        stuck.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(sending.await(10, TimeUnit.SECONDS));
    for (int i = 0; i < 100_000; i++) {
      int n = i;
      queue.offer(() -> sent.add(n));
    }
    assertEquals(100, queue.waiting(), "no more than the capacity waits");
    assertEquals(100_000 - 100, queue.dropped());

    // The member reads again: what waited goes out, in order. (A message offered at once could still find
    // the queue full, before the sending thread has taken the first that waited: wait for them to go.)
    stuck.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sent.size() < 100 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(100, sent.size());
    CountDownLatch drained = new CountDownLatch(1);
    queue.offer(drained::countDown);
    assertTrue(drained.await(10, TimeUnit.SECONDS), "a message offered once the queue has room goes out");
    assertEquals(100, sent.size());
    for (int i = 0; i < 100; i++) {
      assertEquals(i, sent.get(i));
    }
    queue.shutdown();
    assertTrue(queue.awaitTermination(5, TimeUnit.SECONDS));
    queue.offer(() -> sent.add(-1));
    assertEquals(100_000 - 100, queue.dropped(), "after shutdown nothing counts as dropped");
  }

  @Test
  void constructor_refusesAQueueOfNothing() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SendQueue("x", 0));
    assertTrue(e.getMessage().contains("at least one"), e.getMessage());
  }
}
