package dev.potluck.node.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.Sha256;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@link Transfer} on a real file and a real Vert.x context. */
class TransferTest {

  @TempDir Path dir;
  private Vertx vertx;
  private Context context;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void heldBody_wrongThenRight_readersSeeNothingOfTheWrongOne() throws Exception {
    byte[] wrong = bytes(300_000, 1);
    byte[] right = bytes(300_000, 2);
    Path file = dir.resolve("partial");
    Files.createFile(file);
    List<Long> sendableWhileHeld = new ArrayList<>();
    List<String> mismatches = new ArrayList<>();
    Transfer transfer = on(() -> {
      Transfer t = new Transfer(vertx.fileSystem().open(file.toString(), new OpenOptions().setWrite(true).setRead(true)),
          new ResponseHead(right.length, null, null, null));
      t.expect(Sha256.of(right));
      t.holdUntilVerified(e -> {
        mismatches.add(e.getMessage());
        return true;
      });
      t.append(Buffer.buffer(wrong));
      sendableWhileHeld.add(t.sendable());
      t.end();
      return t;
    });
    awaitTrue(() -> on(() -> mismatches.size() == 1 && transfer.received() == 0));
    assertEquals(List.of(0L), sendableWhileHeld, "a held body gives readers nothing");
    assertEquals(Transfer.State.STREAMING, on(transfer::state), "taken back, not failed");

    on(() -> {
      transfer.append(Buffer.buffer(right));
      transfer.end();
      return null;
    });
    Sha256 digest = transfer.completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(Sha256.of(right), digest);
    assertEquals(right.length, on(transfer::sendable));
    assertTrue(mismatches.get(0).contains(Sha256.of(wrong).hex()), mismatches.get(0));
    awaitTrue(() -> on(() -> transfer.readable() == right.length));
    assertArrayEquals(right, Files.readAllBytes(file), "the right body overwrote the wrong one on disk");
  }

  @Test
  void heldBody_wrongWithNowhereElse_fails() throws Exception {
    byte[] right = bytes(1000, 3);
    Path file = dir.resolve("partial");
    Files.createFile(file);
    Transfer transfer = on(() -> {
      Transfer t = new Transfer(vertx.fileSystem().open(file.toString(), new OpenOptions().setWrite(true).setRead(true)),
          new ResponseHead(right.length, null, null, null));
      t.expect(Sha256.of(right));
      t.holdUntilVerified(e -> false);
      t.append(Buffer.buffer(bytes(1000, 4)));
      t.end();
      return t;
    });
    CompletableFuture<Sha256> done = transfer.completion().toCompletionStage().toCompletableFuture();
    awaitTrue(done::isDone);
    assertTrue(done.isCompletedExceptionally());
    assertEquals(Transfer.State.FAILED, on(transfer::state));
  }

  @Test
  void unheldBody_readersFollowAllButTheLastByte() throws Exception {
    Path file = dir.resolve("partial");
    Files.createFile(file);
    long sendable = on(() -> {
      Transfer t = new Transfer(vertx.fileSystem().open(file.toString(), new OpenOptions().setWrite(true).setRead(true)),
          new ResponseHead(1000, null, null, null));
      t.append(Buffer.buffer(bytes(600, 5)));
      return t.sendable();
    });
    assertEquals(599, sendable);
  }

  @Test
  void bodyWithoutLength_writesOnlyWhatItsBudgetGrants_andFailsWhenRefused() throws Exception {
    Path file = dir.resolve("partial");
    Files.createFile(file);
    List<Long> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    long room = 2 * Transfer.BUDGET_STEP;
    Transfer transfer = on(() -> {
      Transfer t = new Transfer(vertx.fileSystem().open(file.toString(), new OpenOptions().setWrite(true).setRead(true)),
          new ResponseHead(-1, null, null, null));
      t.limitBy(bytes -> {
        long before = asked.stream().mapToLong(Long::longValue).sum();
        asked.add(bytes);
        return io.vertx.core.Future.succeededFuture(before + bytes <= room);
      }, "upstream's body for http://h/endless");
      return t;
    });
    // An endless body: the source is fed while the transfer lets it, as a paused response would be.
    byte[] chunk = bytes(64 * 1024, 6);
    long fed = 0;
    while (fed < 4 * room && on(() -> transfer.state()) == Transfer.State.STREAMING) {
      Buffer b = Buffer.buffer(chunk);
      on(() -> transfer.append(b));
      fed += chunk.length;
      long f = fed;
      awaitTrue(() -> on(() -> transfer.state() != Transfer.State.STREAMING || f - transfer.readable() < 2L * Transfer.HIGH_WATER));
    }
    CompletableFuture<Sha256> done = transfer.completion().toCompletionStage().toCompletableFuture();
    awaitTrue(done::isDone);
    assertTrue(done.isCompletedExceptionally());
    String why = on(() -> transfer.failure().getMessage());
    assertTrue(why.contains("no Content-Length") && why.contains("http://h/endless"), why);
    assertTrue(Files.size(file) <= room, "on disk: " + Files.size(file) + " bytes, granted " + room);
  }

  private <T> T on(Supplier<T> task) throws Exception {
    return OnContext.on(context, task);
  }

  private static void awaitTrue(OnContext.Check check) throws Exception {
    OnContext.awaitTrue(check);
  }


  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }
}
