package dev.potluck.node.transfer;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams {@code [start, end)} of a {@link Transfer} to one client response, at the client's pace
 * and no faster than its {@link Throttle} allows. The response's status and headers must already be
 * set. If the transfer fails, or the client stops reading for longer than the stall timeout, the
 * connection is closed: a client never receives a short body that looks complete.
 */
public final class TransferReader {

  private static final Logger log = LoggerFactory.getLogger(TransferReader.class);
  /** Bytes read or written at a time: with the client's write queue, the memory a reader holds. */
  private static final int CHUNK = 32 * 1024;

  private final Vertx vertx;
  private final Transfer transfer;
  private final HttpServerResponse response;
  private final long end;
  private final StallTimer stall;
  private final Pacer pacer;
  private long position;
  private boolean finished;

  /** A reader that is not throttled. */
  public TransferReader(Vertx vertx, Transfer transfer, HttpServerResponse response, long start, long end,
      long stallTimeoutMillis) {
    this(vertx, transfer, response, start, end, stallTimeoutMillis, Throttle.NONE);
  }

  /**
   * @param end exclusive end, or -1 for the whole body whatever its length
   * @param throttle paces the writes and counts them
   */
  public TransferReader(Vertx vertx, Transfer transfer, HttpServerResponse response, long start, long end,
      long stallTimeoutMillis, Throttle throttle) {
    this.pacer = new Pacer(vertx, response, throttle);
    this.vertx = vertx;
    this.transfer = transfer;
    this.response = response;
    this.position = start;
    this.end = end;
    this.stall = new StallTimer(vertx, stallTimeoutMillis, () -> finish(false));
  }

  public void start() {
    transfer.retain();
    response.closeHandler(v -> finish(false));
    response.exceptionHandler(e -> finish(false));
    pump();
  }

  private void pump() {
    // Bytes still in memory are written out in a loop; only disk reads go asynchronous.
    while (!finished) {
      if (transfer.state() == Transfer.State.FAILED) {
        finish(false);
        return;
      }
      if (end >= 0 && position >= end) {
        finish(true);
        return;
      }
      // The last byte (or, for a held body, every byte) waits until the transfer is complete (length
      // checked, digest verified), so a client never holds a whole body that later turns out wrong.
      long sendable = transfer.sendable();
      if (position >= sendable) {
        switch (transfer.state()) {
          case COMPLETE -> finish(end < 0 || position >= end);
          default -> transfer.awaitProgress(this::pump);
        }
        return;
      }
      if (response.writeQueueFull()) {
        stall.arm();
        response.drainHandler(v -> {
          stall.cancel();
          pump();
        });
        return;
      }
      int want = (int) Math.min(sendable - position, end >= 0 ? Math.min(CHUNK, end - position) : CHUNK);
      Buffer fromMemory = transfer.inMemory(position, want);
      if (fromMemory != null) {
        position += fromMemory.length();
        if (!pacer.write(fromMemory, this::pump)) {
          return;
        }
        continue;
      }
      int fromDisk = (int) Math.min(want, transfer.readable() - position);
      transfer.read(position, fromDisk).onComplete(ar -> {
        if (finished) {
          return;
        }
        if (ar.failed()) {
          log.warn("reading the growing file failed: {}", ar.cause().toString());
          finish(false);
          return;
        }
        position += ar.result().length();
        if (pacer.write(ar.result(), this::pump)) {
          pump();
        }
      });
      return;
    }
  }

  private void finish(boolean complete) {
    if (finished) {
      return;
    }
    finished = true;
    stall.cancel();
    pacer.cancel();
    transfer.release();
    if (complete) {
      response.end();
    } else if (!response.closed()) {
      // Closing mid-body is how HTTP/1.1 says "this response is incomplete".
      response.reset();
    }
  }
}
