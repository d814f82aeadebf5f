package dev.potluck.node.transfer;

import dev.potluck.protocol.Sha256;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One body being received into a partial file while any number of readers follow it.
 *
 * <p>The writer {@link #append appends} chunks; they are written to the file one at a time, in order,
 * so {@link #readable()} is always a prefix that is really on disk. Bytes received but not yet on disk
 * are still in memory, and a reader that has caught up takes them from there ({@link #inMemory}), so a
 * client following the download waits for no disk round trip; a reader that fell behind reads the
 * file. Readers {@link #awaitProgress park} when they have everything received so far; a slow reader
 * never holds back the writer or another reader. Memory is bounded by {@link #HIGH_WATER}: above it the
 * writer is told to pause its source.
 *
 * <p>A body without a length takes room in the cache as it grows ({@link #limitBy}): each write past
 * what is granted waits for more, and a body that cannot have more fails instead of outgrowing the
 * cache's quota.
 *
 * <p>Confined to one Vert.x context: every method must be called on it.
 */
public final class Transfer {

  /** Bytes queued for the disk above which the source should pause. */
  public static final int HIGH_WATER = 1 << 20;
  private static final int LOW_WATER = HIGH_WATER / 4;
  private static final int MAX_WRITE = 1 << 20;

  public enum State { STREAMING, COMPLETE, FAILED }

  /** Grants a body room on disk as it grows. */
  @FunctionalInterface
  public interface Budget {
    /** Completes with true once {@code bytes} more may be written, or false when they may not. */
    Future<Boolean> extend(long bytes);
  }

  /** Room asked for at a time, at least, for a body without a length. */
  static final long BUDGET_STEP = 4L << 20;

  private AsyncFile file;
  /** Where the file is, once known: readers may send from it directly ({@link ZeroCopyReader}). */
  private java.nio.file.Path path;
  private final ResponseHead head;
  /** When set (a peer's copy), the body must have this digest to count as complete. */
  private Sha256 expectedSha256;
  /** A streamed copy completes only once its digest is known ({@link #awaitDigest}). */
  private boolean awaitingDigest;
  /** Every byte is on disk and the source has ended; completion waits for the digest. */
  private boolean bodyDone;
  /** Readers get nothing until the body is verified whole (see {@link #holdUntilVerified}). */
  private boolean holding;
  /** Asked whether a body with the wrong digest is replaced rather than failed; null: it fails. */
  private java.util.function.Predicate<VerificationException> onWrongBody;
  private final MessageDigest digest = Sha256.newDigest();
  private final byte[] scratch = new byte[16 * 1024];
  private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
  /** The batch being written, which starts at {@link #readable}; null when no write is under way. */
  private Buffer writingBatch;
  private final Promise<Sha256> done = Promise.promise();
  private List<Runnable> parked = new ArrayList<>();
  private Runnable onDrained = () -> {};

  private State state = State.STREAMING;
  private Throwable failure;
  private Sha256 sha256;
  private long received;
  private long readable;
  private long queuedBytes;
  private boolean writing;
  private boolean sourcePaused;
  private boolean ending;
  private int readers;
  private boolean closed;
  private Budget budget;
  /** Bytes the budget granted (meaningful only with a budget). */
  private long granted;
  private boolean extending;

  /**
   * @param fileReady the partial file, possibly still being created: bytes wait in memory for it (and
   *     readers take them from there), so a slow disk never delays a client's first byte
   */
  public Transfer(Future<AsyncFile> fileReady, ResponseHead head) {
    this.head = head;
    fileReady.onComplete(ar -> {
      if (ar.failed()) {
        fail(new IOException("cannot create a file in the cache: " + ar.cause().getMessage(), ar.cause()));
        return;
      }
      file = ar.result();
      if (state == State.STREAMING) {
        writeNext();
      } else {
        closeIfIdle();
      }
    });
  }

  /**
   * Requires the finished body to have {@code sha256}: a body that differs fails instead of
   * completing, so its readers see an error, never a complete-looking wrong file.
   */
  public void expect(Sha256 sha256) {
    this.expectedSha256 = sha256;
    if (bodyDone && state == State.STREAMING) {
      complete();
    }
  }

  /**
   * The body may not complete until {@link #expect} names its digest, which for an object streamed
   * while it is still being fetched arrives from the arbiter only once the fetcher is done. Until
   * then readers keep waiting for the last byte.
   */
  public void awaitDigest() {
    this.awaitingDigest = true;
  }

  /**
   * This node has become the object's fetcher (it inherited the fetch lease): what it computes is the
   * digest, and no announcement is awaited. A digest already expected is still checked.
   */
  public void stopAwaitingDigest() {
    this.awaitingDigest = false;
    if (bodyDone && state == State.STREAMING) {
      complete();
    }
  }

  /**
   * Readers get no byte until the whole body has its expected digest. A body that turns out wrong is
   * then nobody's yet, and {@code onWrongBody} may take it back ({@link #restart}) and have it sent
   * again from another source: its readers never see it. For a copy from a complete holder, whose
   * bytes arrive at LAN speed, this costs little; a stream still being fetched upstream is not held.
   *
   * @param onWrongBody called with the mismatch when the body is whole but wrong; returns true when it
   *     has arranged a new source (after calling nothing else on this transfer), false to fail it
   */
  public void holdUntilVerified(java.util.function.Predicate<VerificationException> onWrongBody) {
    this.holding = true;
    this.onWrongBody = onWrongBody;
  }

  /**
   * Holds the body's bytes on disk to what {@code budget} grants: writes past it wait until it grants
   * more, and the transfer fails, with a message saying why, when it refuses. For a body without a
   * length; call before the first {@link #append}.
   *
   * @param what names the body in that message
   */
  public void limitBy(Budget budget, String what) {
    this.budget = budget;
    this.budgetSubject = what;
  }

  private String budgetSubject;

  /** How far readers may read now: all of a complete body; else none when held, else all but the last byte. */
  public long sendable() {
    if (state == State.COMPLETE) {
      return received;
    }
    return holding ? 0 : received - 1;
  }

  /** True while the whole body is here but its digest has not been announced yet. */
  public boolean waitingForDigest() {
    return bodyDone && state == State.STREAMING;
  }

  public ResponseHead head() {
    return head;
  }

  /**
   * Names the file the body is written to, for readers that send from it directly. The name holds
   * until the file is committed under its final one; a reader that opened it by then keeps reading it.
   */
  public void storedAt(java.nio.file.Path path) {
    this.path = path;
  }

  /** The file the body is written to, or null when not known (or not yet). */
  public java.nio.file.Path path() {
    return path;
  }

  public State state() {
    return state;
  }

  public Throwable failure() {
    return failure;
  }

  /** Bytes on disk, readable by readers: always a prefix of the body. */
  public long readable() {
    return readable;
  }

  public long received() {
    return received;
  }

  /** Completes with the body's digest once every byte is on disk, or fails with the transfer. */
  public Future<Sha256> completion() {
    return done.future();
  }

  /** Called when the write queue falls low again after {@link #append} returned false. */
  public void onDrained(Runnable action) {
    this.onDrained = action;
  }

  /**
   * Queues {@code chunk} for the disk.
   *
   * @return false when the writer should pause its source until {@link #onDrained} fires
   */
  public boolean append(Buffer chunk) {
    if (state != State.STREAMING || ending) {
      return false;
    }
    received += chunk.length();
    if (head.length() >= 0 && received > head.length()) {
      fail(new IOException("upstream sent more than the " + head.length() + " bytes it announced"));
      return false;
    }
    digest(chunk);
    queue.add(chunk);
    queuedBytes += chunk.length();
    writeNext();
    wakeReaders();
    if (queuedBytes >= HIGH_WATER) {
      sourcePaused = true;
      return false;
    }
    return true;
  }

  /**
   * Adds {@code chunk} to the digest through one reused array: Vert.x's public API offers no view of a
   * buffer's bytes, and a copy into an array that stays in cache costs little beside SHA-256 itself,
   * where a new array per chunk would cost an allocation and its collection.
   */
  private void digest(Buffer chunk) {
    int length = chunk.length();
    for (int at = 0; at < length; at += scratch.length) {
      int n = Math.min(scratch.length, length - at);
      chunk.getBytes(at, at + n, scratch, 0);
      digest.update(scratch, 0, n);
    }
  }

  /** The source has ended: completes once the queue is written, or fails if bytes are missing. */
  public void end() {
    if (state != State.STREAMING || ending) {
      return;
    }
    ending = true;
    if (head.length() >= 0 && received != head.length()) {
      fail(new IOException("upstream closed after " + received + " of " + head.length() + " bytes"));
      return;
    }
    writeNext();
  }

  /** Ends the transfer in failure: readers stop, the partial file is not committed. */
  public void fail(Throwable cause) {
    if (state != State.STREAMING) {
      return;
    }
    state = State.FAILED;
    failure = cause;
    writingBatch = null;
    queue.clear();
    queuedBytes = 0;
    done.tryFail(cause);
    wakeReaders();
    closeIfIdle();
  }

  /** Registers a reader; the file stays open until every reader has {@link #release released} it. */
  public void retain() {
    readers++;
  }

  public void release() {
    readers--;
    closeIfIdle();
  }

  /**
   * Up to {@code max} bytes at {@code position} from memory, when {@code position} lies in the bytes
   * received but not yet on disk; null otherwise. The buffer is a slice: no copy is made.
   */
  public Buffer inMemory(long position, int max) {
    if (state == State.FAILED || position < readable || position >= received) {
      return null;
    }
    long start = readable;
    if (writingBatch != null) {
      if (position < start + writingBatch.length()) {
        return slice(writingBatch, (int) (position - start), max);
      }
      start += writingBatch.length();
    }
    for (Buffer b : queue) {
      if (position < start + b.length()) {
        return slice(b, (int) (position - start), max);
      }
      start += b.length();
    }
    return null;
  }

  private static Buffer slice(Buffer b, int from, int max) {
    return b.slice(from, Math.min(b.length(), from + max));
  }

  /** Reads up to {@code length} readable bytes at {@code position}. */
  public Future<Buffer> read(long position, int length) {
    int n = (int) Math.min(length, readable - position);
    return file.read(Buffer.buffer(n), 0, position, n);
  }

  /** Runs {@code action} once, when more bytes are readable or the transfer ends. */
  public void awaitProgress(Runnable action) {
    if (state != State.STREAMING) {
      action.run();
    } else {
      parked.add(action);
    }
  }

  private void writeNext() {
    if (writing || state != State.STREAMING || file == null) {
      return;
    }
    if (queue.isEmpty()) {
      if (ending) {
        complete();
      }
      return;
    }
    Buffer batch = queue.poll();
    if (!queue.isEmpty()) {
      // Coalesce small network chunks into one write: fewer trips to the file system's thread pool.
      Buffer joined = Buffer.buffer(Math.min(MAX_WRITE, (int) queuedBytes)).appendBuffer(batch);
      while (!queue.isEmpty() && joined.length() + queue.peek().length() <= MAX_WRITE) {
        joined.appendBuffer(queue.poll());
      }
      batch = joined;
    }
    if (budget != null && readable + batch.length() > granted) {
      // Put the batch back and ask for room first; the queue stays bounded by the source's pause.
      queue.addFirst(batch);
      askForRoom(readable + batch.length() - granted);
      return;
    }
    int length = batch.length();
    writing = true;
    writingBatch = batch;
    file.write(batch, readable).onComplete(ar -> {
      writing = false;
      writingBatch = null;
      if (state != State.STREAMING) {
        closeIfIdle();
        return;
      }
      if (ar.failed()) {
        // A full disk is the usual cause: say what to do about it, as the client sees this text.
        fail(new IOException("cannot write to the cache (" + ar.cause().getMessage() + "), so nothing is kept;"
            + " free disk space or lower --cache-size below what the disk holds", ar.cause()));
        return;
      }
      readable += length;
      queuedBytes -= length;
      wakeReaders();
      if (sourcePaused && queuedBytes < LOW_WATER) {
        sourcePaused = false;
        onDrained.run();
      }
      writeNext();
    });
  }

  private void askForRoom(long needed) {
    if (extending) {
      return;
    }
    extending = true;
    writing = true; // no other write starts while the answer is awaited
    long step = Math.max(needed, Math.max(BUDGET_STEP, granted / 4));
    budget.extend(step).onComplete(ar -> {
      extending = false;
      writing = false;
      if (state != State.STREAMING) {
        closeIfIdle();
        return;
      }
      if (ar.succeeded() && ar.result()) {
        granted += step;
        writeNext();
      } else {
        fail(new IOException(budgetSubject + " has no Content-Length and passed " + received + " bytes, more"
            + " than the cache has room for" + (ar.failed() ? " (" + ar.cause().getMessage() + ")" : "")
            + "; nothing was kept"));
      }
    });
  }

  private void complete() {
    if (awaitingDigest && expectedSha256 == null) {
      bodyDone = true;
      return;
    }
    Sha256 actual = Sha256.of(digest);
    if (expectedSha256 != null && !expectedSha256.equals(actual)) {
      VerificationException wrong = new VerificationException(expectedSha256, actual, received);
      if (holding && onWrongBody != null) {
        // No reader has a byte of it: start the body again, for whatever source comes next.
        restart();
        if (onWrongBody.test(wrong)) {
          return;
        }
      }
      fail(wrong);
      return;
    }
    state = State.COMPLETE;
    sha256 = actual;
    done.tryComplete(sha256);
    wakeReaders();
    closeIfIdle();
  }

  /**
   * Forgets the body received so far (only while held, with nothing queued or being written): the next
   * source's bytes are written from the start of the file over it. The expected digest stays.
   */
  private void restart() {
    received = 0;
    readable = 0;
    queuedBytes = 0;
    queue.clear();
    digest.reset();
    ending = false;
    bodyDone = false;
    sourcePaused = false;
  }

  private void wakeReaders() {
    if (parked.isEmpty()) {
      return;
    }
    List<Runnable> woken = parked;
    parked = new ArrayList<>();
    woken.forEach(Runnable::run);
  }

  private void closeIfIdle() {
    if (!closed && file != null && state != State.STREAMING && readers == 0 && !writing) {
      closed = true;
      file.close();
    }
  }
}
