package dev.potluck.node.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.http.ConnectionChannels;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ZeroCopyReader} on a real Vert.x HTTP server, a real file growing under a {@link Transfer}, and
 * a raw client socket: the body leaves as file regions (seen by a handler in the channel's pipeline),
 * whole and in order, also on a kept-alive connection and after the file is renamed.
 */
class ZeroCopyReaderTest {

  @TempDir Path dir;
  private Vertx vertx;
  private Context context;
  private ConnectionChannels channels;
  private HttpServer server;
  /** What the next request is answered from; set on the context. */
  private final Map<String, Transfer> transfers = new HashMap<>();
  private final AtomicInteger regions = new AtomicInteger();
  private final AtomicLong regionBytes = new AtomicLong();
  private final AtomicInteger notFromDisk = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    channels = ConnectionChannels.overBestTransport();
    vertx = Vertx.builder().withTransport(channels).build();
    context = vertx.getOrCreateContext();
    server = on(() -> {
      Promise<HttpServer> listening = Promise.promise();
      vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
          .connectionHandler(c -> channels.channelOf(c)
              .ifPresent(ch -> ConnectionChannels.insertBeforeVertx(ch, "regions", new RegionCounter())))
          .requestHandler(this::serve)
          .listen(0, "127.0.0.1").onComplete(listening);
      return listening.future();
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void serve(HttpServerRequest request) {
    Transfer transfer = transfers.get(request.path());
    long length = transfer.head().length();
    long start = 0;
    long end = length;
    String range = request.getHeader("Range");
    if (range != null) { // "bytes=a-b" only, as the tests send it
      String[] ab = range.substring("bytes=".length()).split("-");
      start = Long.parseLong(ab[0]);
      end = Long.parseLong(ab[1]) + 1;
      request.response().setStatusCode(206);
    }
    if (length >= 0) {
      request.response().putHeader("Content-Length", Long.toString(end - start));
    } else {
      request.response().setChunked(true);
    }
    Channel channel = channels.channelOf(request.connection()).orElse(null);
    if (channel == null || !channel.eventLoop().inEventLoop()) {
      notFromDisk.incrementAndGet();
      request.response().setStatusCode(500).end();
      return;
    }
    new ZeroCopyReader(vertx, transfer, request.response(), channel, start, length >= 0 ? end : -1, 10_000,
        Throttle.NONE).start();
  }

  @Test
  void growingBody_isSentFromTheFile_wholeAndInOrder() throws Exception {
    byte[] body = bytes(5_000_000, 1);
    Transfer transfer = newTransfer("a", body.length);
    try (Socket socket = client()) {
      request(socket, "/a", null);
      feed(transfer, body, 64 * 1024); // the client is already waiting while the file grows
      Response response = Response.read(socket.getInputStream());
      assertEquals(200, response.status);
      assertArrayEquals(body, response.body);
    }
    assertTrue(regions.get() >= 3, "sent in file regions as the file grew: " + regions.get());
    assertEquals(body.length, regionBytes.get(), "every byte went out as a file region");
    assertEquals(0, notFromDisk.get());
    awaitTrue(() -> on(() -> transfer.state() == Transfer.State.COMPLETE));
  }

  @Test
  void keptAliveConnection_secondResponseFollowsTheFirstIntact_andARangeIsHonoured() throws Exception {
    byte[] first = bytes(3_000_000, 2);
    byte[] second = bytes(1_500_000, 3);
    Transfer a = newTransfer("a", first.length);
    Transfer b = newTransfer("b", second.length);
    feed(a, first, 100_000);
    feed(b, second, 100_000);
    try (Socket socket = client()) {
      request(socket, "/a", null);
      request(socket, "/b", "bytes=1000-1200999");
      request(socket, "/a", null);
      Response r1 = Response.read(socket.getInputStream());
      Response r2 = Response.read(socket.getInputStream());
      Response r3 = Response.read(socket.getInputStream());
      assertArrayEquals(first, r1.body);
      assertEquals(206, r2.status);
      assertArrayEquals(java.util.Arrays.copyOfRange(second, 1000, 1_201_000), r2.body);
      assertArrayEquals(first, r3.body);
    }
  }

  @Test
  void unknownLength_goesChunked_fromTheFile() throws Exception {
    byte[] body = bytes(700_000, 4);
    Transfer transfer = newTransfer("c", -1);
    try (Socket socket = client()) {
      request(socket, "/c", null);
      feed(transfer, body, 50_000);
      Response response = Response.read(socket.getInputStream());
      assertEquals("chunked", response.headers.get("transfer-encoding"));
      assertArrayEquals(body, response.body);
    }
    assertEquals(body.length, regionBytes.get());
  }

  @Test
  void fileRenamedWhileSending_theReaderKeepsItsOpenFile() throws Exception {
    byte[] body = bytes(2_000_000, 5);
    Path file = dir.resolve("d");
    Transfer transfer = newTransfer("d", body.length);
    try (Socket socket = client()) {
      request(socket, "/d", null);
      feed(transfer, java.util.Arrays.copyOf(body, 1_000_000), 100_000);
      awaitTrue(() -> regionBytes.get() > 0);
      Files.move(file, dir.resolve("d.committed")); // as the store commits a finished partial
      on(() -> {
        transfer.append(Buffer.buffer(java.util.Arrays.copyOfRange(body, 1_000_000, body.length)));
        transfer.end();
        return null;
      });
      Response response = Response.read(socket.getInputStream());
      assertArrayEquals(body, response.body);
    }
  }

  @Test
  void fileGoneBeforeTheFirstByte_theResponseCarriesOnThroughTheTransfersOwnFile() throws Exception {
    byte[] body = bytes(400_000, 6);
    Transfer transfer = newTransfer("e", body.length);
    on(() -> {
      transfer.storedAt(dir.resolve("no-such-file"));
      return null;
    });
    try (Socket socket = client()) {
      request(socket, "/e", null);
      feed(transfer, body, 40_000);
      Response response = Response.read(socket.getInputStream());
      assertArrayEquals(body, response.body);
    }
    assertEquals(0, regions.get(), "nothing could be sent from the file");
  }

  @Test
  void transferFails_theClientSeesTheConnectionClosedShort() throws Exception {
    byte[] body = bytes(1_000_000, 7);
    Transfer transfer = newTransfer("f", body.length);
    try (Socket socket = client()) {
      request(socket, "/f", null);
      feed(transfer, java.util.Arrays.copyOf(body, 300_000), 100_000);
      awaitTrue(() -> regionBytes.get() > 0);
      on(() -> {
        transfer.fail(new java.io.IOException("upstream went away"));
        return null;
      });
      InputStream in = socket.getInputStream();
      Map<String, String> head = Response.readHead(in);
      assertEquals("1000000", head.get("content-length"));
      byte[] rest = in.readAllBytes(); // until the server closes
      assertTrue(rest.length < body.length, "a short body, then the connection closed: " + rest.length);
    }
    awaitTrue(() -> on(() -> transfer.state() == Transfer.State.FAILED));
  }

  // ---- helpers

  private Transfer newTransfer(String name, long length) throws Exception {
    Path file = dir.resolve(name);
    Files.createFile(file);
    return on(() -> {
      Transfer t = new Transfer(vertx.fileSystem().open(file.toString(), new OpenOptions().setWrite(true).setRead(true)),
          new ResponseHead(length, "application/octet-stream", null, null));
      t.storedAt(file);
      transfers.put("/" + name, t);
      return t;
    });
  }

  /** Appends {@code body} in chunks, a few milliseconds apart, as a network source would. */
  private void feed(Transfer transfer, byte[] body, int chunk) throws Exception {
    for (int at = 0; at < body.length; at += chunk) {
      byte[] part = java.util.Arrays.copyOfRange(body, at, Math.min(body.length, at + chunk));
      boolean last = at + chunk >= body.length;
      on(() -> {
        transfer.append(Buffer.buffer(part));
        if (last && transfer.head().length() == body.length || last && transfer.head().length() < 0) {
          transfer.end();
        }
        return null;
      });
      Thread.sleep(2);
    }
  }

  private Socket client() throws Exception {
    Socket socket = new Socket("127.0.0.1", server.actualPort());
    socket.setSoTimeout(20_000);
    return socket;
  }

  private static void request(Socket socket, String path, String range) throws Exception {
    String head = "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + (range == null ? "" : "Range: " + range + "\r\n") + "\r\n";
    socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
  }

  private <T> T on(Supplier<T> task) throws Exception {
    return OnContext.on(context, task);
  }

  private static void awaitTrue(OnContext.Check check) throws Exception {
    OnContext.awaitTrue(check);
  }


  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private final class RegionCounter extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      if (msg instanceof FileRegion region) {
        regions.incrementAndGet();
        regionBytes.addAndGet(region.count());
      }
      super.write(ctx, msg, promise);
    }
  }

  /** One HTTP/1.1 response read off a raw socket: status, headers, and a Content-Length or chunked body. */
  private record Response(int status, Map<String, String> headers, byte[] body) {

    static Response read(InputStream in) throws Exception {
      Map<String, String> head = readHead(in);
      byte[] body;
      if ("chunked".equals(head.get("transfer-encoding"))) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
          int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
          if (size == 0) {
            line(in);
            break;
          }
          out.write(in.readNBytes(size));
          line(in);
        }
        body = out.toByteArray();
      } else {
        int length = Integer.parseInt(head.get("content-length"));
        body = in.readNBytes(length);
        assertEquals(length, body.length, "the whole body");
      }
      return new Response(Integer.parseInt(head.get(":status")), head, body);
    }

    static Map<String, String> readHead(InputStream in) throws Exception {
      Map<String, String> head = new HashMap<>();
      String status = line(in);
      assertFalse(status.isEmpty(), "a status line");
      head.put(":status", status.split(" ")[1]);
      for (String l = line(in); !l.isEmpty(); l = line(in)) {
        int colon = l.indexOf(':');
        head.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
      }
      return head;
    }

    private static String line(InputStream in) throws Exception {
      List<Byte> bytes = new ArrayList<>();
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        if (b != '\r') {
          bytes.add((byte) b);
        }
      }
      byte[] out = new byte[bytes.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = bytes.get(i);
      }
      return new String(out, StandardCharsets.US_ASCII);
    }
  }
}
