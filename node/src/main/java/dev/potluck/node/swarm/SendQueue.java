package dev.potluck.node.swarm;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that sends cluster messages in order, behind a queue of at most {@code capacity} of them.
 *
 * <p>A send can block for as long as the group's flow control waits for a member that stopped
 * reading (until the failure detector removes it from the view). Messages offered meanwhile wait
 * here; once {@code capacity} wait, further ones are dropped and counted, so a stuck member costs a
 * bounded amount of this node's heap. Every cluster exchange already survives a lost message through
 * its timeouts and fallbacks (a request unanswered is retried or taken upstream; load gossip is sent
 * again a second later).
 *
 * <p>{@link #offer} may be called from any thread.
 */
final class SendQueue {

  private static final Logger log = LoggerFactory.getLogger(SendQueue.class);

  /** Messages waiting to be sent, at most, by default: a few seconds of a busy node's traffic. */
  static final int DEFAULT_CAPACITY = 10_000;

  private final ThreadPoolExecutor executor;
  private final AtomicLong dropped = new AtomicLong();

  SendQueue(String threadName, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a send queue holds at least one message, not " + capacity);
    }
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity),
        runnable -> {
          Thread thread = new Thread(runnable, threadName);
          thread.setDaemon(true);
          return thread;
        },
        (task, pool) -> {
          if (pool.isShutdown()) {
            return; // leaving the group: nothing more goes out
          }
          long n = dropped.incrementAndGet();
          if (n == 1 || n % 1_000 == 0) {
            log.warn("the cluster send queue is full ({} messages wait for a member that is not reading):"
                + " {} message(s) dropped so far", capacity, n);
          }
        });
  }

  /** Queues {@code send} to run after every send offered before it; drops it when the queue is full. */
  void offer(Runnable send) {
    try {
      executor.execute(send);
    } catch (RejectedExecutionException stopping) {
      // The queue is shut down.
    }
  }

  /** Messages dropped because the queue was full. */
  long dropped() {
    return dropped.get();
  }

  /** Messages waiting now. */
  int waiting() {
    return executor.getQueue().size();
  }

  void shutdown() {
    executor.shutdown();
  }

  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return executor.awaitTermination(timeout, unit);
  }
}
