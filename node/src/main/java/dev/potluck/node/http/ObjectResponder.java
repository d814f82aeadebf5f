package dev.potluck.node.http;

import dev.potluck.node.cache.Source;
import dev.potluck.node.store.ObjectMeta;
import dev.potluck.node.transfer.FileRangeReader;
import dev.potluck.node.transfer.ResponseHead;
import dev.potluck.node.transfer.Throttle;
import dev.potluck.node.transfer.Transfer;
import dev.potluck.node.transfer.TransferReader;
import dev.potluck.node.transfer.ZeroCopyReader;
import dev.potluck.node.upstream.UpstreamFailure;
import io.netty.channel.Channel;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link Source} to a client: status, headers, conditional (304) and Range (206/416) handling,
 * then the body — zero-copy from a stored file, or following a growing one. Bodies go through a
 * {@link Throttle}: a stored file whose rate is capped is read and sent in paced chunks instead of
 * zero-copy.
 */
final class ObjectResponder {

  private static final Logger log = LoggerFactory.getLogger(ObjectResponder.class);
  static final String CACHE_HEADER = "X-Potluck-Cache";

  /**
   * A client's unsent bytes above which its reader pauses: with the reader's one chunk in hand, what a
   * client that reads slowly costs this process (the kernel's socket buffer holds the rest). A thousand
   * readers of a growing file then hold under 100 MiB, most of it direct memory that the heap cap
   * ({@code -Xmx}) also caps.
   */
  static final int CLIENT_WRITE_QUEUE = 64 * 1024;

  private final Vertx vertx;
  private final long stallTimeoutMillis;
  private final Throttle throttle;
  /** Finds a connection's channel, for sending growing files from disk; null: never from disk. */
  private final ConnectionChannels channels;

  /**
   * @param throttle paces and counts every body this responder sends
   * @param channels the connections' channels, or null to send growing bodies through Vert.x's writes
   */
  ObjectResponder(Vertx vertx, long stallTimeoutMillis, Throttle throttle, ConnectionChannels channels) {
    this.vertx = vertx;
    this.stallTimeoutMillis = stallTimeoutMillis;
    this.throttle = throttle;
    this.channels = channels;
  }

  void respond(HttpServerRequest request, Source source) {
    HttpServerResponse response = request.response();
    response.putHeader(CACHE_HEADER, source.disposition().header());
    if (source instanceof Source.Stored stored) {
      respondStored(request, stored);
    } else if (source instanceof Source.Live live) {
      respondLive(request, live.transfer());
    } else if (source instanceof Source.Passthrough pass) {
      response.setStatusCode(pass.status());
      response.headers().addAll(pass.headers());
      if (request.method() == HttpMethod.HEAD) {
        response.end();
      } else {
        response.end(pass.body());
      }
    }
  }

  void respondFailure(HttpServerRequest request, Throwable cause) {
    if (cause instanceof UpstreamFailure failure) {
      Errors.send(request, failure.status(), failure.getMessage());
    } else {
      log.warn("{} {}: {}", request.method(), request.uri(), cause.toString(), cause);
      Errors.send(request, 500, "internal error: " + cause.getMessage());
    }
  }

  private void respondStored(HttpServerRequest request, Source.Stored stored) {
    ObjectMeta meta = stored.object().meta();
    HttpServerResponse response = request.response();
    if (writeValidators(request, meta.contentType(), meta.etag(), meta.lastModified())) {
      return;
    }
    ByteRange.Outcome range = ByteRange.resolve(request.getHeader("Range"), meta.size());
    long offset = 0;
    long length = meta.size();
    if (range instanceof ByteRange.Unsatisfiable) {
      unsatisfiable(response, meta.size());
      return;
    } else if (range instanceof ByteRange.Part part) {
      response.setStatusCode(206).putHeader(HttpHeaders.CONTENT_RANGE, part.range().contentRange(meta.size()));
      offset = part.range().start();
      length = part.range().length();
    } else {
      response.setStatusCode(200);
    }
    if (request.method() == HttpMethod.HEAD) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length)).end();
      return;
    }
    String file = stored.object().data().toString();
    if (throttle.limitsRate()) {
      response.setWriteQueueMaxSize(CLIENT_WRITE_QUEUE);
      new FileRangeReader(vertx, file, response, offset, length, stallTimeoutMillis, throttle).start()
          .onFailure(e -> sendFailed(request, meta, e));
      return;
    }
    long sent = length;
    response.sendFile(file, offset, length)
        .onSuccess(v -> throttle.wrote(sent))
        .onFailure(e -> sendFailed(request, meta, e));
  }

  /** The file can vanish between look-up and send when eviction races a hit, or the client go away. */
  private static void sendFailed(HttpServerRequest request, ObjectMeta meta, Throwable e) {
    log.warn("sending {} failed: {}", meta.url(), e.toString());
    HttpServerResponse response = request.response();
    if (!response.headWritten()) {
      Errors.send(request, 503, "the cached copy was evicted while being sent; try again");
    } else {
      response.reset();
    }
  }

  private void respondLive(HttpServerRequest request, Transfer transfer) {
    ResponseHead head = transfer.head();
    HttpServerResponse response = request.response();
    if (writeValidators(request, head.contentType(), head.etag(), head.lastModified())) {
      return;
    }
    long start = 0;
    long end = -1;
    if (head.length() >= 0) {
      ByteRange.Outcome range = ByteRange.resolve(request.getHeader("Range"), head.length());
      end = head.length();
      if (range instanceof ByteRange.Unsatisfiable) {
        unsatisfiable(response, head.length());
        return;
      } else if (range instanceof ByteRange.Part part) {
        response.setStatusCode(206).putHeader(HttpHeaders.CONTENT_RANGE, part.range().contentRange(head.length()));
        start = part.range().start();
        end = part.range().end();
      } else {
        response.setStatusCode(200);
      }
      response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(end - start));
    } else {
      // Length unknown until upstream ends: Range is ignored (allowed) and the body goes chunked.
      response.setStatusCode(200).setChunked(true);
    }
    if (request.method() == HttpMethod.HEAD) {
      response.end();
      return;
    }
    Channel channel = zeroCopyChannel(request);
    if (channel != null) {
      new ZeroCopyReader(vertx, transfer, response, channel, start, end, stallTimeoutMillis, throttle).start();
      return;
    }
    response.setWriteQueueMaxSize(CLIENT_WRITE_QUEUE);
    new TransferReader(vertx, transfer, response, start, end, stallTimeoutMillis, throttle).start();
  }

  /**
   * The request's connection's channel when a growing body may be sent from its file: the rate is not
   * capped (a file send cannot be paced) and this thread is the channel's (regions and Vert.x's own
   * writes then go out in the order they are made); null otherwise.
   */
  private Channel zeroCopyChannel(HttpServerRequest request) {
    if (channels == null || throttle.limitsRate()) {
      return null;
    }
    return channels.channelOf(request.connection())
        .filter(channel -> channel.eventLoop().inEventLoop())
        .orElse(null);
  }

  /** Sets the entity headers; answers 304 and returns true when the client's copy is current. */
  private static boolean writeValidators(HttpServerRequest request, String contentType, String etag, String lastModified) {
    MultiMap headers = request.response().headers();
    headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
    if (contentType != null) {
      headers.set(HttpHeaders.CONTENT_TYPE, contentType);
    }
    if (etag != null) {
      headers.set(HttpHeaders.ETAG, etag);
    }
    if (lastModified != null) {
      headers.set(HttpHeaders.LAST_MODIFIED, lastModified);
    }
    if (Conditional.notModified(request.getHeader(HttpHeaders.IF_NONE_MATCH),
        request.getHeader(HttpHeaders.IF_MODIFIED_SINCE), etag, lastModified)) {
      headers.remove(HttpHeaders.CONTENT_TYPE);
      request.response().setStatusCode(304).end();
      return true;
    }
    return false;
  }

  private static void unsatisfiable(HttpServerResponse response, long length) {
    response.setStatusCode(416).putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + length).end();
  }
}
