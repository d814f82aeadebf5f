package dev.potluck.node.transfer;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes one reader's chunks to its response no faster than a {@link Throttle} allows. A chunk that
 * must wait is held (one at a time) and written from a Vert.x timer: the event loop never blocks.
 * Confined to the response's context.
 */
final class Pacer {

  private static final long NANOS_PER_MILLI = 1_000_000L;

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final Throttle throttle;
  private long timer = -1;
  private boolean cancelled;

  Pacer(Vertx vertx, HttpServerResponse response, Throttle throttle) {
    this.vertx = vertx;
    this.response = response;
    this.throttle = throttle;
  }

  /**
   * Writes {@code chunk} now and returns true; or, when the throttle says wait, returns false and
   * writes it later, then runs {@code resume} (unless {@link #cancel cancelled} meanwhile).
   */
  boolean write(Buffer chunk, Runnable resume) {
    long waitNanos = throttle.reserve(chunk.length());
    if (waitNanos <= 0) {
      send(chunk);
      return true;
    }
    // Timers tick in whole milliseconds; a timer that fires late is made up by the bucket's burst.
    long millis = Math.max(1, (waitNanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI);
    timer = vertx.setTimer(millis, id -> {
      timer = -1;
      if (!cancelled) {
        send(chunk);
        resume.run();
      }
    });
    return false;
  }

  /** Drops a chunk still waiting: the response is over. */
  void cancel() {
    cancelled = true;
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void send(Buffer chunk) {
    response.write(chunk);
    throttle.wrote(chunk.length());
  }
}
