package dev.potluck.bench.sim;

import java.util.PriorityQueue;

/**
 * The simulator's virtual clock and its pending events. Time is in microseconds and moves only when an
 * event runs; events at the same instant run in the order they were scheduled, so a run is the same for
 * the same inputs.
 */
final class EventQueue {

  private record Event(long at, long seq, Runnable task) {}

  private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) ->
      a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;
  private long ran;

  /** The current instant, in microseconds. */
  long now() {
    return now;
  }

  /** The current instant in milliseconds, the scheduler's unit. */
  long nowMillis() {
    return now / 1000;
  }

  /** Runs {@code task} at {@code atMicros}; an instant already past means now (the clock never goes back). */
  void at(long atMicros, Runnable task) {
    queue.add(new Event(Math.max(now, atMicros), seq++, task));
  }

  void after(long delayMicros, Runnable task) {
    at(now + delayMicros, task);
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** When the next event runs; {@link Long#MAX_VALUE} if none is pending. */
  long nextAt() {
    Event e = queue.peek();
    return e == null ? Long.MAX_VALUE : e.at;
  }

  /** Moves the clock to the next event and runs it; false if there was none. */
  boolean runNext() {
    Event e = queue.poll();
    if (e == null) {
      return false;
    }
    now = e.at;
    ran++;
    e.task.run();
    return true;
  }

  /** Events run so far. */
  long ran() {
    return ran;
  }
}
