package dev.potluck.node.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;

/**
 * Sees each request on a client connection as it is decoded, before the HTTP server queues it. HTTP/1.1
 * answers a connection's requests in order, and the server hands a request to {@link ClientFront} only
 * once the one before it has been answered; a client that pipelines (apt sends several GETs at once)
 * would have each miss start only when its turn comes. A GET that arrives while an earlier request on
 * its connection is still unanswered is therefore passed to {@link ClientFront#prefetch} at once, so
 * its fetch runs alongside; the responses still go out in order.
 *
 * <p>At most {@link #MAX_AHEAD} requests behind the one being answered are fetched ahead: apt keeps 10
 * in flight, and a client that floods one connection with GETs starts no more fetches than that at
 * once. The rest are answered in their turn, each starting its fetch when it comes.
 */
final class PipelinedPrefetch extends ChannelDuplexHandler {

  private static final String NAME = "potluck-pipelined-prefetch";

  /** Requests waiting behind an unanswered one on a connection that are fetched ahead, at most. */
  static final int MAX_AHEAD = ClientFront.MAX_FETCHED_AHEAD;

  private final ClientFront front;
  private final Context context;
  private final String remote;
  /** Requests read whose responses have not been written whole yet. */
  private int unanswered;

  private PipelinedPrefetch(ClientFront front, Context context, String remote) {
    this.front = front;
    this.context = context;
    this.remote = remote;
  }

  /**
   * Watches the requests on {@code channel}, the channel under {@code connection}, for {@code front}.
   * Call from the server's connection handler, on the connection's context (where {@code front}'s
   * requests are handled too), which has just been created with the connection.
   */
  static void install(HttpConnection connection, Channel channel, ClientFront front) {
    String remote = connection.remoteAddress() == null ? null : connection.remoteAddress().hostAddress();
    ConnectionChannels.insertBeforeVertx(channel, NAME, new PipelinedPrefetch(front, Vertx.currentContext(), remote));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpRequest request) {
      if (unanswered > 0 && unanswered <= MAX_AHEAD && request.method() == HttpMethod.GET && request.decoderResult().isSuccess()) {
        String uri = request.uri();
        String userAgent = request.headers().get(HttpHeaderNames.USER_AGENT);
        context.runOnContext(v -> front.prefetch(uri, remote, userAgent));
      }
      unanswered++;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (msg instanceof LastHttpContent && unanswered > 0) {
      unanswered--;
    }
    super.write(ctx, msg, promise);
  }
}
