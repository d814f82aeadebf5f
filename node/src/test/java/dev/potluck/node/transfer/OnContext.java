package dev.potluck.node.transfer;

import io.vertx.core.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** For tests of classes confined to a Vert.x context: runs code on it, and waits for a condition. */
final class OnContext {

  private OnContext() {}

  /** Runs {@code task} on {@code context} and returns its result (10 s at most). */
  static <T> T on(Context context, Supplier<T> task) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        result.complete(task.get());
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result.get(10, TimeUnit.SECONDS);
  }

  interface Check {
    boolean holds() throws Exception;
  }

  /** Waits until {@code check} holds; fails after 10 s. */
  static void awaitTrue(Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 10 s");
      }
      Thread.sleep(10);
    }
  }
}
