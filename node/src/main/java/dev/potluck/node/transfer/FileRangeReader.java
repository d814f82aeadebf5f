package dev.potluck.node.transfer;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams {@code [offset, offset + length)} of a complete file to one response in chunks read through
 * Vert.x's {@link AsyncFile}, each paced by a {@link Throttle}: how a stored object goes out when its
 * rate is capped, since a zero-copy file send cannot be paced. Memory per response is one chunk plus
 * the client's write queue. The response's status and headers, but for the length, must already be
 * set. A read failure or a client that stops reading for longer than the stall timeout closes the
 * connection: a client never receives a short body that looks complete.
 *
 * <p>Confined to the response's context.
 */
public final class FileRangeReader {

  private static final Logger log = LoggerFactory.getLogger(FileRangeReader.class);
  /** Bytes read or written at a time: with the client's write queue, the memory a reader holds. */
  private static final int CHUNK = 32 * 1024;

  private final Vertx vertx;
  private final String path;
  private final HttpServerResponse response;
  private final long end;
  private final StallTimer stall;
  private final Pacer pacer;
  private AsyncFile file;
  private long position;
  private boolean finished;

  public FileRangeReader(Vertx vertx, String path, HttpServerResponse response, long offset, long length,
      long stallTimeoutMillis, Throttle throttle) {
    this.vertx = vertx;
    this.path = path;
    this.response = response;
    this.position = offset;
    this.end = offset + length;
    this.stall = new StallTimer(vertx, stallTimeoutMillis, () -> finish(false));
    this.pacer = new Pacer(vertx, response, throttle);
  }

  /**
   * Opens the file, then sends the range. Fails, with the response untouched, when the file cannot be
   * opened (evicted since it was looked up, say), so the caller can still answer with an error.
   */
  public Future<Void> start() {
    Promise<Void> opened = Promise.promise();
    response.closeHandler(v -> finish(false));
    response.exceptionHandler(e -> finish(false));
    vertx.fileSystem().open(path, new OpenOptions().setRead(true).setWrite(false).setCreate(false))
        .onComplete(ar -> {
          if (ar.failed()) {
            finished = true;
            opened.fail(ar.cause());
            return;
          }
          file = ar.result();
          opened.complete();
          if (finished) {
            file.close();
            return;
          }
          response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(end - position));
          pump();
        });
    return opened.future();
  }

  private void pump() {
    if (finished) {
      return;
    }
    if (position >= end) {
      finish(true);
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
    int want = (int) Math.min(CHUNK, end - position);
    file.read(Buffer.buffer(want), 0, position, want).onComplete(ar -> {
      if (finished) {
        return;
      }
      if (ar.failed() || ar.result().length() == 0) {
        log.warn("reading {} failed at byte {}: {}", path, position,
            ar.failed() ? ar.cause().toString() : "the file ends early");
        finish(false);
        return;
      }
      position += ar.result().length();
      if (pacer.write(ar.result(), this::pump)) {
        pump();
      }
    });
  }

  private void finish(boolean complete) {
    if (finished) {
      return;
    }
    finished = true;
    stall.cancel();
    pacer.cancel();
    if (file != null) {
      file.close();
    }
    if (complete) {
      response.end();
    } else if (!response.closed()) {
      // Closing mid-body is how HTTP/1.1 says "this response is incomplete".
      response.reset();
    }
  }
}
