package dev.potluck.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seam under {@link PipelinedPrefetch}: Vert.x's public transport SPI still hands over each accepted
 * connection's channel, and a handler put before Vert.x's own sees requests decoded as they arrive and
 * responses as HTTP objects. A Vert.x upgrade that breaks either fails here.
 */
class ConnectionChannelsTest {

  private ConnectionChannels channels;
  private Vertx vertx;
  private HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final List<Boolean> found = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    channels = ConnectionChannels.overBestTransport();
    vertx = Vertx.builder().withTransport(channels).build();
    server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
        .connectionHandler(connection -> {
          var channel = channels.channelOf(connection);
          found.add(channel.isPresent());
          channel.ifPresent(c -> ConnectionChannels.insertBeforeVertx(c, "recorder", new Recorder()));
        })
        .requestHandler(request -> {
          // The first response is late: the second request is decoded long before it is answered.
          long delay = request.path().equals("/slow") ? 400 : 1;
          vertx.setTimer(delay, t -> request.response().end(request.path()));
        })
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void pipelinedRequests_areSeenDecoded_beforeTheFirstIsAnswered() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.actualPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answers = readUntil(socket.getInputStream(), "/fast");
      assertTrue(answers.indexOf("/slow") < answers.indexOf("/fast"), "answered in order: " + answers);
    }
    assertEquals(List.of(true), found, "the connection's channel is handed over");
    assertEquals(List.of("request /slow", "request /fast", "response end", "response end"), seen);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (channels.held() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, channels.held(), "nothing is held for a closed connection");
  }

  @Test
  void aConnectionNobodyLooksUp_isForgottenWhenItCloses() throws Exception {
    HttpServer other = vertx.createHttpServer().requestHandler(r -> r.response().end("ok"))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (Socket socket = new Socket("127.0.0.1", other.actualPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      readUntil(socket.getInputStream(), "ok");
      assertEquals(1, channels.held());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (channels.held() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, channels.held());
  }

  private static String readUntil(InputStream in, String marker) throws Exception {
    StringBuilder text = new StringBuilder();
    byte[] buffer = new byte[4096];
    while (!text.toString().contains(marker)) {
      int n = in.read(buffer);
      if (n < 0) {
        break;
      }
      text.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
    }
    return text.toString();
  }

  private final class Recorder extends ChannelDuplexHandler {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (msg instanceof HttpRequest request) {
        seen.add("request " + request.uri());
      }
      super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      if (msg instanceof LastHttpContent) {
        seen.add("response end");
      }
      super.write(ctx, msg, promise);
    }
  }
}
