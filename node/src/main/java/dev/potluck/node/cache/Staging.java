package dev.potluck.node.cache;

import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.ObjectMeta;
import dev.potluck.node.store.PartialFile;
import dev.potluck.node.store.StoredObject;
import dev.potluck.protocol.ObjectKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Bodies on their way into the store: a partial file created and opened before the body arrives,
 * quota reserved as its length is learnt, then committed or discarded. Every store call runs on a
 * worker thread and completes on the caller's context, so the cache never blocks its event loop on
 * the disk; a partial that cannot be opened is discarded at once, so none is left behind.
 */
final class Staging {

  /** A partial file and the handle the body is written through. */
  record Prepared(PartialFile partial, AsyncFile file) {}

  private final Vertx vertx;
  private final FileStore store;

  Staging(Vertx vertx, FileStore store) {
    this.vertx = vertx;
    this.store = store;
  }

  /** A partial file for a fetched body of {@code key}, open for reading (by followers) and writing. */
  Future<Prepared> prepare(ObjectKey key) {
    return open(onWorker(() -> store.createPartial(key, 0)), new OpenOptions().setRead(true).setWrite(true)
        .setCreate(false));
  }

  /** A partial file with room for {@code length} bytes of a published body, open for writing only. */
  Future<Prepared> prepareUpload(ObjectKey pending, long length) {
    return open(onWorker(() -> store.createPartial(pending, length)), new OpenOptions().setWrite(true)
        .setCreate(false));
  }

  private Future<Prepared> open(Future<PartialFile> created, OpenOptions options) {
    return created.compose(partial -> vertx.fileSystem()
        .open(partial.path().toString(), options)
        .map(file -> new Prepared(partial, file))
        .andThen(opened -> {
          if (opened.failed()) {
            store.discard(partial);
          }
        }));
  }

  /** Sets aside quota for the {@code length} bytes a body announced (evicting if needed). */
  Future<PartialFile> reserve(Prepared prepared, long length) {
    return onWorker(() -> store.reserve(prepared.partial(), length));
  }

  /** Takes room for {@code bytes} more of a body without a length; false when there is none. */
  Future<Boolean> extend(Prepared prepared, long bytes) {
    return onWorker(() -> store.extend(prepared.partial(), bytes));
  }

  /** Stores {@code partial} as the object {@code meta} describes; empty when it does not fit. */
  Future<Optional<StoredObject>> commit(PartialFile partial, ObjectMeta meta) {
    return onWorker(() -> store.commit(partial, meta));
  }

  /** No body will be stored: once prepared, the file is closed and the partial goes. */
  void discard(Future<Prepared> prepared) {
    prepared.onSuccess(this::closeAndDiscard);
  }

  /** Closes the file, then discards its partial. */
  void closeAndDiscard(Prepared prepared) {
    prepared.file().close().onComplete(closed -> discard(prepared.partial()));
  }

  /** Discards {@code partial}, if there is one; completes once done (or nothing to do). */
  Future<Void> discard(PartialFile partial) {
    return onWorker(() -> {
      if (partial != null) {
        store.discard(partial);
      }
      return null;
    });
  }

  /**
   * Runs store I/O on a worker thread, unordered: work for different keys must not queue behind one
   * another's fsyncs, and work for one key is already sequenced by the futures that chain it.
   */
  <T> Future<T> onWorker(Callable<T> task) {
    return vertx.executeBlocking(task, false);
  }
}
