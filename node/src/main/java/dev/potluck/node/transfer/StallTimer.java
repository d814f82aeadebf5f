package dev.potluck.node.transfer;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives up on a client that stops reading: armed while its write queue is full, disarmed when it
 * drains, and if it stays full for the timeout, the reader is finished as incomplete. Confined to
 * the reader's context.
 */
final class StallTimer {

  private static final Logger log = LoggerFactory.getLogger(StallTimer.class);

  private final Vertx vertx;
  private final long timeoutMillis;
  private final Runnable onStall;
  private long timer = -1;

  StallTimer(Vertx vertx, long timeoutMillis, Runnable onStall) {
    this.vertx = vertx;
    this.timeoutMillis = timeoutMillis;
    this.onStall = onStall;
  }

  /** Starts counting, unless already counting. */
  void arm() {
    if (timer == -1) {
      timer = vertx.setTimer(timeoutMillis, id -> {
        timer = -1;
        log.info("closing a client that read nothing for {} ms", timeoutMillis);
        onStall.run();
      });
    }
  }

  void cancel() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
