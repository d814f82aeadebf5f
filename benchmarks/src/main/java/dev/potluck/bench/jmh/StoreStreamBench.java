package dev.potluck.bench.jmh;

import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.PartialFile;
import dev.potluck.node.transfer.FileRangeReader;
import dev.potluck.node.transfer.ResponseHead;
import dev.potluck.node.transfer.Throttle;
import dev.potluck.node.transfer.Transfer;
import dev.potluck.node.transfer.TransferReader;
import dev.potluck.protocol.ObjectKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The store's streaming path, with the node's own classes on one Vert.x context as in the node: one
 * operation is one object of {@code objectMiB} delivered whole to each of {@code readers} HTTP clients
 * on loopback. The {@code bytes} counter is the body bytes the clients received, per second.
 *
 * <ul>
 *   <li>{@code growing}: a miss being fetched. A writer appends 32 KiB chunks, one per event-loop task
 *       as a network source delivers them, to a {@link Transfer} over a {@link PartialFile} created by
 *       the {@link FileStore}, honouring its back-pressure; each client is served by a
 *       {@link TransferReader} that follows the file as it grows. The writer starts once every reader
 *       is attached.
 *   <li>{@code complete}: the same object already on disk, each client served by a
 *       {@link FileRangeReader} (how the node sends a stored object whose rate is capped; an uncapped
 *       hit goes out by sendfile, measured against nginx by {@code single-node.sh --only hit}).
 * </ul>
 *
 * <p>Each client checks it received exactly the object's length; a short body fails the run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class StoreStreamBench {

  private static final int CHUNK = 32 * 1024;
  /** As the node's client listener sets it (ObjectResponder). */
  private static final int CLIENT_WRITE_QUEUE = 256 * 1024;
  private static final long STALL_TIMEOUT_MILLIS = 30_000;
  private static final long OPERATION_TIMEOUT_SECONDS = 120;

  @Param({"1", "4", "16"})
  public int readers;

  @Param({"32"})
  public int objectMiB;

  /** Body bytes delivered to clients, reported per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Delivered {
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
      bytes = 0;
    }
  }

  private Vertx vertx;
  private Context context;
  private HttpServer server;
  private HttpClientAgent client;
  private Path root;
  private FileStore store;
  private Path completeFile;
  private long size;
  /** 1 MiB of random bytes, cycled through to make the object. */
  private byte[] pattern;
  private ObjectKey key;
  /** The object being served; set on the benchmark thread before any request is sent. */
  private volatile Live live;

  /** One operation's transfer and the readers it waits for before the writer starts. */
  private static final class Live {
    final Transfer transfer;
    final int readers;
    int attached;
    Runnable startWriter;

    Live(Transfer transfer, int readers) {
      this.transfer = transfer;
      this.readers = readers;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    size = (long) objectMiB << 20;
    pattern = new byte[1 << 20];
    new Random(3).nextBytes(pattern);
    key = Messages.key(new Random(5));
    root = Files.createTempDirectory("potluck-jmh-store");
    store = FileStore.open(root.resolve("cache"), 4L << 30);
    completeFile = root.resolve("complete.bin");
    try (var out = Files.newOutputStream(completeFile)) {
      for (long written = 0; written < size; written += pattern.length) {
        out.write(pattern, 0, (int) Math.min(pattern.length, size - written));
      }
    }
    vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    context = vertx.getOrCreateContext();
    CompletableFuture<HttpServer> listening = new CompletableFuture<>();
    context.runOnContext(v -> vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(false))
        .requestHandler(this::serve)
        .listen(0, "127.0.0.1")
        .onComplete(ar -> {
          if (ar.succeeded()) {
            listening.complete(ar.result());
          } else {
            listening.completeExceptionally(ar.cause());
          }
        }));
    server = listening.get(30, TimeUnit.SECONDS);
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(Math.max(readers, 1)));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (root != null) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Benchmark
  public long growing(Delivered delivered) throws Exception {
    PartialFile partial = store.createPartial(key, size);
    try {
      CompletableFuture<Transfer> created = new CompletableFuture<>();
      context.runOnContext(v -> {
        Future<AsyncFile> file = vertx.fileSystem()
            .open(partial.path().toString(), new OpenOptions().setRead(true).setWrite(true).setCreate(false));
        Transfer transfer = new Transfer(file, new ResponseHead(size, "application/octet-stream", null, null));
        transfer.retain(); // the writer's own hold, as the node's flight keeps one
        Live l = new Live(transfer, readers);
        l.startWriter = () -> new Writer(transfer).pump();
        live = l;
        created.complete(transfer);
      });
      Transfer transfer = created.get(30, TimeUnit.SECONDS);
      long bytes = fetchAll("/growing");
      CompletableFuture<Void> released = new CompletableFuture<>();
      context.runOnContext(v -> {
        if (transfer.state() != Transfer.State.COMPLETE) {
          released.completeExceptionally(new IllegalStateException("the transfer ended " + transfer.state(),
              transfer.failure()));
        } else {
          released.complete(null);
        }
        transfer.release();
      });
      released.get(30, TimeUnit.SECONDS);
      delivered.bytes += bytes;
      return bytes;
    } finally {
      store.discard(partial);
    }
  }

  @Benchmark
  public long complete(Delivered delivered) throws Exception {
    long bytes = fetchAll("/complete");
    delivered.bytes += bytes;
    return bytes;
  }

  /** Sends {@link #readers} GETs at once and waits until every body has arrived whole. */
  private long fetchAll(String path) throws Exception {
    List<CompletableFuture<Long>> bodies = new ArrayList<>();
    for (int i = 0; i < readers; i++) {
      CompletableFuture<Long> body = new CompletableFuture<>();
      bodies.add(body);
      client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", path)
          .compose(request -> request.send())
          .onComplete(ar -> {
            if (ar.failed()) {
              body.completeExceptionally(ar.cause());
              return;
            }
            var response = ar.result();
            long[] received = {0};
            response.handler(chunk -> received[0] += chunk.length());
            response.exceptionHandler(body::completeExceptionally);
            response.endHandler(v -> {
              if (response.statusCode() != 200 || received[0] != size) {
                body.completeExceptionally(new IOException("client got status " + response.statusCode() + " and "
                    + received[0] + " of " + size + " bytes"));
              } else {
                body.complete(received[0]);
              }
            });
          });
    }
    long total = 0;
    for (CompletableFuture<Long> body : bodies) {
      total += body.get(OPERATION_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    return total;
  }

  /** On the context: answers one client. */
  private void serve(HttpServerRequest request) {
    HttpServerResponse response = request.response().setStatusCode(200);
    response.setWriteQueueMaxSize(CLIENT_WRITE_QUEUE);
    if (request.path().equals("/complete")) {
      // FileRangeReader sets the length once the file is open.
      new FileRangeReader(vertx, completeFile.toString(), response, 0, size, STALL_TIMEOUT_MILLIS, Throttle.NONE)
          .start()
          .onFailure(e -> response.setStatusCode(500).end());
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(size));
    Live l = live;
    new TransferReader(vertx, l.transfer, response, 0, size, STALL_TIMEOUT_MILLIS, Throttle.NONE).start();
    if (++l.attached == l.readers) {
      l.startWriter.run();
    }
  }

  /** Appends the object one chunk per event-loop task, pausing while the transfer's queue is full. */
  private final class Writer {
    private final Transfer transfer;
    private long offset;

    Writer(Transfer transfer) {
      this.transfer = transfer;
    }

    void pump() {
      if (transfer.state() != Transfer.State.STREAMING) {
        return;
      }
      if (offset >= size) {
        transfer.end();
        return;
      }
      int from = (int) (offset % pattern.length);
      int length = (int) Math.min(CHUNK, Math.min(size - offset, pattern.length - from));
      offset += length;
      // A fresh buffer per chunk, as a socket read gives one.
      if (transfer.append(Buffer.buffer(length).appendBytes(pattern, from, length))) {
        context.runOnContext(v -> pump());
      } else {
        transfer.onDrained(this::pump);
      }
    }
  }
}
