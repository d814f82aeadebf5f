package dev.potluck.node.transfer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.DefaultFileRegion;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams {@code [start, end)} of a {@link Transfer} to one response straight from its file, as the file
 * grows, with the kernel's {@code sendfile}: no byte of the body passes through this process's memory.
 * Each region goes out only once it is on disk; the next is written when the last one has left, so
 * the socket's buffer is the only queue and a slow client holds nothing here.
 *
 * <p>Vert.x writes the status and headers, then nothing until {@link HttpServerResponse#end}: the
 * regions go to the connection's Netty channel directly, in between, on its event loop. The first is
 * written only once the head has left Vert.x's own queue, so nothing can overtake it. A client that
 * takes no byte for the stall timeout is closed, as are responses whose transfer fails: a client never
 * receives a short body that looks complete.
 *
 * <p>The file is opened when its first bytes are on disk; if it is already gone by then (committed
 * under its final name), the response carries on through a {@link TransferReader}.
 *
 * <p>Confined to the response's context, whose thread is the channel's event loop.
 */
public final class ZeroCopyReader {

  private static final Logger log = LoggerFactory.getLogger(ZeroCopyReader.class);
  /** The most one file region carries: new bytes wait at most one region's sending to go out. */
  static final long MAX_REGION = 2L << 20;

  private final Vertx vertx;
  private final Transfer transfer;
  private final HttpServerResponse response;
  private final Channel channel;
  private final long end;
  private final long stallTimeoutMillis;
  private final StallTimer stall;
  private final Throttle throttle;
  private FileChannel file;
  private long position;
  private boolean headSent;
  private boolean sending;
  private boolean finished;

  /**
   * @param channel the response's connection's channel, whose event loop runs the response's context
   * @param end exclusive end, or -1 for the whole body whatever its length
   * @param throttle counts the bytes sent; it must not limit the rate (see {@link Throttle#limitsRate})
   */
  public ZeroCopyReader(Vertx vertx, Transfer transfer, HttpServerResponse response, Channel channel, long start,
      long end, long stallTimeoutMillis, Throttle throttle) {
    if (throttle.limitsRate()) {
      throw new IllegalArgumentException("a file send cannot be paced: use a TransferReader");
    }
    this.vertx = vertx;
    this.transfer = transfer;
    this.response = response;
    this.channel = channel;
    this.position = start;
    this.end = end;
    this.stallTimeoutMillis = stallTimeoutMillis;
    this.throttle = throttle;
    this.stall = new StallTimer(vertx, stallTimeoutMillis, () -> finish(false));
  }

  public void start() {
    transfer.retain();
    response.closeHandler(v -> finish(false));
    response.exceptionHandler(e -> finish(false));
    stall.arm();
    response.writeHead().onComplete(ar -> {
      stall.cancel();
      if (ar.failed()) {
        finish(false);
        return;
      }
      headSent = true;
      pump();
    });
  }

  private void pump() {
    if (finished || sending || !headSent) {
      return;
    }
    if (transfer.state() == Transfer.State.FAILED) {
      finish(false);
      return;
    }
    if (end >= 0 && position >= end) {
      finish(true);
      return;
    }
    // The last byte (or, for a held body, every byte) waits until the transfer is complete (length
    // checked, digest verified), as in TransferReader; and only bytes on disk can be sent from it.
    long sendable = transfer.sendable();
    long limit = Math.min(sendable, transfer.readable());
    if (end >= 0) {
      limit = Math.min(limit, end);
    }
    if (position >= limit) {
      if (transfer.state() == Transfer.State.COMPLETE && position >= sendable) {
        finish(end < 0 || position >= end);
      } else {
        transfer.awaitProgress(this::pump);
      }
      return;
    }
    if (file == null && !open()) {
      return;
    }
    long count = Math.min(MAX_REGION, limit - position);
    // Netty closes a region's file when the region is released; the extra reference keeps this
    // reader's file open for the regions after it, and finish() closes it.
    DefaultFileRegion region = new DefaultFileRegion(file, position, count);
    region.retain();
    sending = true;
    stall.arm();
    ChannelProgressivePromise promise = channel.newProgressivePromise();
    promise.addListener(new ChannelProgressiveFutureListener() {
      @Override
      public void operationProgressed(ChannelProgressiveFuture future, long progress, long total) {
        // The client is reading: it has the stall timeout again for the rest.
        stall.cancel();
        stall.arm();
      }

      @Override
      public void operationComplete(ChannelProgressiveFuture future) {
        stall.cancel();
        sending = false;
        if (finished) {
          return;
        }
        if (!future.isSuccess()) {
          finish(false);
          return;
        }
        position += count;
        throttle.wrote(count);
        pump();
      }
    });
    channel.writeAndFlush(region, promise);
  }

  /** Opens the file; false when it is gone, and a TransferReader has taken the response over. */
  private boolean open() {
    Path path = transfer.path();
    try {
      if (path == null) {
        throw new IOException("the transfer has no file");
      }
      file = FileChannel.open(path, StandardOpenOption.READ);
      return true;
    } catch (IOException e) {
      log.debug("sending from {} as it grows: {}; reading it instead", path, e.toString());
      finished = true;
      stall.cancel();
      // Retained before release: the transfer's file must not close in between.
      new TransferReader(vertx, transfer, response, position, end, stallTimeoutMillis, throttle).start();
      transfer.release();
      return false;
    }
  }

  private void finish(boolean complete) {
    if (finished) {
      return;
    }
    finished = true;
    stall.cancel();
    transfer.release();
    if (file != null) {
      try {
        file.close();
      } catch (IOException e) {
        log.debug("closing a sent file: {}", e.toString());
      }
    }
    if (complete) {
      response.end();
    } else if (!response.closed()) {
      // Closing mid-body is how HTTP/1.1 says "this response is incomplete".
      response.reset();
    }
  }
}
