package dev.potluck.node.cache;

import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.ObjectMeta;
import dev.potluck.node.store.PartialFile;
import dev.potluck.node.store.Sharing;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.trust.ContentNames;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files published on this node ({@code potluck publish}): imported into the store under their
 * SHA-256, and offered to peers only within the limits they were published with (an age, a number of
 * shares), which are counted here as peers take them. Confined to the cache's context; the store's
 * I/O runs on workers.
 */
final class Publishing {

  private static final Logger log = LoggerFactory.getLogger(Publishing.class);

  private final LocalCache cache;
  private final FileStore store;
  private final Staging staging;
  private final LongSupplier clock;

  Publishing(LocalCache cache, FileStore store, Staging staging, LongSupplier clock) {
    this.cache = cache;
    this.store = store;
    this.staging = staging;
    this.clock = clock;
  }

  /**
   * Whether peers may be offered {@code object}: a published one while its {@link Sharing} allows; a
   * {@code /sha256/} object this node took from the LAN for its own clients never (as with Passim, only
   * the host that publishes a file shares it, within the limits it set); anything else always.
   */
  boolean offers(StoredObject object) {
    Sharing sharing = object.meta().sharing();
    if (sharing != null) {
      return sharing.offered(clock.getAsLong());
    }
    return !ContentNames.isLanOnly(object.meta().url());
  }

  /**
   * Counts a peer's GET of {@code object} (from its first byte) against a published object's max share
   * count, and tells the cluster once the count is reached. Call just before serving it.
   *
   * @return whether it may be served: false for a published object no longer offered
   */
  boolean claimShare(StoredObject object) {
    if (object.meta().sharing() == null) {
      return offers(object);
    }
    Optional<StoredObject> claimed = store.claimShare(object.key(), clock.getAsLong());
    if (claimed.isEmpty()) {
      return false;
    }
    ObjectKey key = object.key();
    staging.onWorker(() -> {
      store.saveSharing(key);
      return null;
    }).onFailure(e -> log.warn("cannot save the share count of {}: {}", key, e.toString()));
    Sharing sharing = claimed.get().meta().sharing();
    if (sharing.exhausted()) {
      log.info("published {} was served to peers {} times, its most: no longer offered", key, sharing.shares());
      if (cache.router() != null) {
        cache.router().dropped(key);
      }
    }
    return true;
  }

  /**
   * Imports {@code length} bytes from {@code body} into the store as a published object named by their
   * SHA-256 ({@code /sha256/<hex>}), shared with peers within {@code maxAgeMillis} and
   * {@code maxShares} (0: no limit), and tells the cluster this node holds it. The store keeps its own
   * copy. Publishing bytes already published starts their limits afresh.
   *
   * @return the stored object; fails with {@link IllegalArgumentException} for bad limits or a body
   *     that is not {@code length} bytes, with {@link IllegalStateException} when it does not fit in the
   *     cache, or with the disk's error
   */
  Future<StoredObject> publish(ReadStream<Buffer> body, long length, long maxAgeMillis, int maxShares) {
    Sharing limits;
    try {
      limits = new Sharing(clock.getAsLong(), maxAgeMillis, maxShares, 0);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (length < 0) {
      return Future.failedFuture(new IllegalArgumentException("the body's length must be given (Content-Length)"));
    }
    if (length > store.quota()) {
      return Future.failedFuture(new IllegalStateException(length + " bytes do not fit in the cache quota of "
          + store.quota() + " bytes; raise --cache-size"));
    }
    body.pause();
    // Named after its digest once that is known; until then after a name no object has.
    ObjectKey pending = new ObjectKey(Sha256.of("publish " + System.nanoTime() + " " + Math.random()).hex());
    Promise<StoredObject> done = Promise.promise();
    staging.prepareUpload(pending, length)
        .onFailure(done::tryFail)
        .onSuccess(prepared -> receivePublished(body, prepared, length, limits, done));
    return done.future();
  }

  private void receivePublished(ReadStream<Buffer> body, Staging.Prepared prepared, long length, Sharing limits,
      Promise<StoredObject> done) {
    java.security.MessageDigest digest = Sha256.newDigest();
    long[] received = {0};
    Runnable abort = () -> staging.closeAndDiscard(prepared);
    prepared.file().exceptionHandler(e -> {
      if (done.tryFail(e)) {
        abort.run();
      }
    });
    body.handler(chunk -> {
      received[0] += chunk.length();
      digest.update(chunk.getBytes());
      prepared.file().write(chunk);
      if (prepared.file().writeQueueFull()) {
        body.pause();
        prepared.file().drainHandler(v -> body.resume());
      }
    });
    body.exceptionHandler(e -> {
      if (done.tryFail(e)) {
        abort.run();
      }
    });
    body.endHandler(v -> {
      if (done.future().isComplete()) {
        return;
      }
      if (received[0] != length) {
        done.tryFail(new IllegalArgumentException("received " + received[0] + " bytes, " + length + " announced"));
        abort.run();
        return;
      }
      prepared.file().close().onComplete(closed -> {
        if (closed.failed()) {
          done.tryFail(closed.cause());
          staging.discard(prepared.partial());
          return;
        }
        Sha256 sha256 = Sha256.of(digest);
        ObjectKey key = new ObjectKey(sha256.hex());
        long now = clock.getAsLong();
        ObjectMeta meta = new ObjectMeta(ContentNames.lanUrl(sha256).toString(), length, sha256,
            "application/octet-stream", null, null, now, now, limits);
        PartialFile partial = new PartialFile(key, prepared.partial().path(), prepared.partial().reservedBytes());
        staging.commit(partial, meta).onComplete(ar -> {
          if (ar.failed()) {
            done.fail(ar.cause());
          } else if (ar.result().isEmpty()) {
            done.fail(new IllegalStateException(length + " bytes do not fit in the cache now (quota " + store.quota()
                + " bytes, the rest held by downloads under way); try again later or raise --cache-size"));
          } else {
            StoredObject stored = ar.result().get();
            cache.checkedForPeers(key);
            log.info("published {} ({} bytes) for {} s, at most {} shares", sha256, length,
                limits.maxAgeMillis() / 1000, limits.maxShares() == 0 ? "unlimited" : limits.maxShares());
            if (cache.router() != null) {
              cache.router().holds(key, meta.url(), length, sha256);
            }
            done.complete(stored);
          }
        });
      });
    });
    body.resume();
  }

  /** Drops the published objects whose max age has passed (and tells the cluster); call now and then. */
  void dropExpired() {
    long now = clock.getAsLong();
    for (StoredObject object : store.list()) {
      Sharing sharing = object.meta().sharing();
      if (sharing != null && sharing.expired(now)) {
        log.info("published {} reached its max age of {} s: dropping it", object.key(), sharing.maxAgeMillis() / 1000);
        cache.purge(object.key());
      }
    }
  }
}
