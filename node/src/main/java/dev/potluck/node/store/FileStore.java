package dev.potluck.node.store;

import dev.potluck.protocol.ObjectKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content store: complete objects on disk under a quota, least recently used evicted first.
 *
 * <p>Layout: {@code objects/ab/abcd…} holds an object's bytes and {@code objects/ab/abcd….json} its
 * {@link ObjectMeta}; {@code partial/} holds bodies being written. A commit fsyncs the body, moves it
 * into place, then moves the sidecar into place: the sidecar's rename is the commit point. On open,
 * {@code partial/} is emptied and every body without a matching sidecar (or whose length disagrees
 * with it) is deleted, so a crash at any moment leaves either the old state or the new, never a
 * truncated file that looks complete.
 *
 * <p>Quota: {@code used + reserved <= quota} always holds. Bodies being written hold reservations
 * (their announced length, or, for a body without one, room {@link #extend extended} as it grows);
 * a reservation is granted only when evicting stored objects can make room for it, and refused
 * otherwise, never granted on credit. A body that is committed without a reservation for all of it is
 * kept only if the rest can be reserved then.
 *
 * <p>Thread-safety: the in-memory index is guarded by this object's monitor; disk I/O happens outside
 * it. Methods that touch the disk block and must not run on an event loop.
 */
public final class FileStore {

  private static final Logger log = LoggerFactory.getLogger(FileStore.class);
  private static final String META_SUFFIX = ".json";
  private static final String TEMP_SUFFIX = ".tmp";

  private final Path objectsDir;
  private final Path partialDir;
  /** Set once by {@link #open}, which may lower it to what the disk holds. */
  private long quota;
  private final AtomicLong partialCounter = new AtomicLong();
  private final LongSupplier clock;

  /** Access-ordered: iteration starts at the least recently used object. Guarded by {@code this}. */
  private final LinkedHashMap<ObjectKey, StoredObject> index = new LinkedHashMap<>(256, 0.75f, true);
  /** When each indexed object was last read or stored (its body's mtime after a restart). Guarded by {@code this}. */
  private final Map<ObjectKey, Long> accessedAt = new HashMap<>();
  private long usedBytes;
  private long reservedBytes;
  /** Each partial file's reservation. Guarded by {@code this}. */
  private final Map<Path, Long> reservations = new HashMap<>();
  /** Test hook: where to announce a pause between a commit's renames and its folder's fsync, or null. */
  private final Path pauseBeforeDirectorySync;
  private long evictions;
  /** Held (never with {@code this}) while a sidecar is rewritten, so that two rewrites never share its temp file. */
  private final Object sidecarWrites = new Object();

  private FileStore(Path root, long quota, LongSupplier clock) {
    this.objectsDir = root.resolve("objects");
    this.partialDir = root.resolve("partial");
    this.quota = quota;
    this.clock = clock;
    String pause = System.getProperty(PAUSE_BEFORE_DIRECTORY_SYNC);
    this.pauseBeforeDirectorySync = pause == null || pause.isBlank() ? null : Path.of(pause);
  }

  /**
   * A system property for crash tests only: when it names a file, each commit writes that file once its
   * renames are done and then waits, before fsyncing the folder, for the test to kill the process.
   */
  public static final String PAUSE_BEFORE_DIRECTORY_SYNC = "potluck.test.pauseBeforeDirectorySync";

  /** Opens (creating if needed) the store at {@code root}, recovering from whatever a crash left. */
  public static FileStore open(Path root, long quotaBytes) throws IOException {
    return open(root, quotaBytes, System::currentTimeMillis);
  }

  /** As {@link #open(Path, long)}, with {@code clock} (epoch milliseconds) dating each object's last access. */
  public static FileStore open(Path root, long quotaBytes, LongSupplier clock) throws IOException {
    FileStore store = new FileStore(root, quotaBytes, clock);
    Files.createDirectories(store.objectsDir);
    Files.createDirectories(store.partialDir);
    store.recover();
    long usable = Files.getFileStore(store.objectsDir).getUsableSpace();
    List<StoredObject> victims = List.of();
    synchronized (store) {
      long effective = effectiveQuota(quotaBytes, usable, store.usedBytes);
      if (effective < quotaBytes) {
        log.warn("the cache quota of {} bytes is more than the disk at {} can hold ({} bytes free, {} cached):"
            + " keeping at most {} bytes; free disk space or lower --cache-size", quotaBytes, root, usable,
            store.usedBytes, effective);
        store.quota = effective;
        victims = store.chooseVictims(null);
      }
    }
    store.delete(victims);
    return store;
  }

  /**
   * The quota to keep to: the one asked for, or, when the disk cannot hold that much, 90 % of what it
   * can (what is free plus what the cache holds already), so that a full cache never fills the disk.
   */
  static long effectiveQuota(long requested, long usableBytes, long cachedBytes) {
    long room = (long) ((usableBytes + cachedBytes) * 0.9);
    return Math.max(0, Math.min(requested, room));
  }

  /** The object, if complete and stored; counts as a use for eviction. */
  public synchronized Optional<StoredObject> get(ObjectKey key) {
    StoredObject object = index.get(key);
    if (object != null) {
      accessedAt.put(key, clock.getAsLong());
    }
    return Optional.ofNullable(object);
  }

  public synchronized StoreStats stats() {
    return new StoreStats(index.size(), usedBytes, reservedBytes, quota, evictions);
  }

  /** Every stored object, least recently used first. */
  public synchronized List<StoredObject> list() {
    return new ArrayList<>(index.values());
  }

  /** Every stored object with when it was last used, most recently used first; not itself a use. */
  public synchronized List<Accessed> inventory() {
    List<Accessed> out = new ArrayList<>(index.size());
    for (StoredObject object : index.values()) {
      out.add(new Accessed(object, accessedAt.getOrDefault(object.key(), object.meta().storedAtMillis())));
    }
    java.util.Collections.reverse(out);
    return out;
  }

  /** A stored object and when it was last read or stored (epoch milliseconds). */
  public record Accessed(StoredObject object, long accessedAtMillis) {}

  public long quota() {
    return quota;
  }

  /**
   * Creates an empty partial file for {@code key}, first evicting enough to make room for
   * {@code expectedBytes} (0 when unknown).
   */
  public PartialFile createPartial(ObjectKey key, long expectedBytes) throws IOException {
    Path path = partialDir.resolve(key.id() + "." + ProcessHandle.current().pid() + "-" + partialCounter.incrementAndGet());
    Files.createFile(path);
    PartialFile partial = new PartialFile(key, path, 0);
    try {
      return reserve(partial, expectedBytes);
    } catch (RuntimeException e) {
      Files.deleteIfExists(path);
      throw e;
    }
  }

  /**
   * Sets aside quota for {@code bytes} more of {@code partial} (its announced length), evicting least
   * recently used objects to make room. When no eviction can make room (the length exceeds the quota,
   * or other bodies being written hold it), nothing is reserved: such an object is streamed, and kept
   * only if there is room for it when it is complete.
   *
   * @return the partial file with its reservation so far, to be passed to commit or discard
   */
  public PartialFile reserve(PartialFile partial, long bytes) {
    extend(partial, bytes);
    return new PartialFile(partial.key(), partial.path(), reservationOf(partial));
  }

  /**
   * Reserves {@code bytes} more for {@code partial} (a body without a length, as it grows), evicting least
   * recently used objects to make room.
   *
   * @return false, reserving nothing, when no eviction can make room: the body must not grow past what it
   *     holds
   */
  public boolean extend(PartialFile partial, long bytes) {
    if (bytes <= 0) {
      return true;
    }
    List<StoredObject> victims;
    synchronized (this) {
      // Every stored object may be evicted; what others reserved may not.
      if (reservedBytes + bytes > quota) {
        return false;
      }
      reservedBytes += bytes;
      reservations.merge(partial.path(), bytes, Long::sum);
      victims = chooseVictims(null);
    }
    delete(victims);
    return true;
  }

  /** What {@code partial} holds reserved now. */
  public synchronized long reservationOf(PartialFile partial) {
    return reservations.getOrDefault(partial.path(), 0L);
  }

  /**
   * Makes {@code partial} a complete object described by {@code meta}, replacing any older copy.
   *
   * @return the stored object, or empty when it is larger than the whole quota (the partial is discarded)
   * @throws IOException when the body's length disagrees with {@code meta} or the disk fails; the
   *     partial is then discarded and the store is as before
   */
  public Optional<StoredObject> commit(PartialFile partial, ObjectMeta meta) throws IOException {
    try {
      long actual = Files.size(partial.path());
      if (actual != meta.size()) {
        throw new IOException("refusing to commit " + meta.url() + ": " + actual + " bytes on disk, " + meta.size() + " expected");
      }
      long missing = meta.size() - reservationOf(partial);
      if (meta.size() > quota || (missing > 0 && !extend(partial, missing))) {
        log.info("not keeping {}: {} bytes do not fit in the cache quota of {} ({} used, {} reserved by bodies"
            + " being written)", meta.url(), meta.size(), quota, stats().usedBytes(), stats().reservedBytes());
        discard(partial);
        return Optional.empty();
      }
      try (FileChannel channel = FileChannel.open(partial.path(), StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      ObjectKey key = partial.key();
      Path data = dataPath(key);
      Path sidecar = metaPath(key);
      if (!Files.isDirectory(data.getParent())) {
        Files.createDirectories(data.getParent());
        syncDirectory(objectsDir);
      }
      Path sidecarTemp = sidecar.resolveSibling(sidecar.getFileName() + TEMP_SUFFIX);
      writeDurably(sidecarTemp, meta.toJson());

      StoredObject previous;
      synchronized (this) {
        previous = index.remove(key);
        accessedAt.remove(key);
        if (previous != null) {
          usedBytes -= previous.size();
        }
      }
      if (previous != null) {
        // The old pair goes first, so that no crash can pair the old sidecar with the new body.
        Files.deleteIfExists(sidecar);
      }
      move(partial.path(), data);
      move(sidecarTemp, sidecar);
      pauseForCrashTest();
      syncDirectory(data.getParent());

      StoredObject stored = new StoredObject(key, data, meta);
      List<StoredObject> victims;
      synchronized (this) {
        index.put(key, stored);
        accessedAt.put(key, clock.getAsLong());
        usedBytes += meta.size();
        Long held = reservations.remove(partial.path());
        reservedBytes -= held == null ? 0 : held;
        victims = chooseVictims(key);
      }
      delete(victims);
      return Optional.of(stored);
    } catch (IOException | RuntimeException e) {
      discard(partial);
      throw e;
    }
  }

  /**
   * Stores {@code bytes}, a body already whole in memory (a keeper's copy, a Release restored), as
   * {@code key}'s object described by {@code meta}: written to a partial file and committed as any body.
   *
   * @return as {@link #commit}
   * @throws IOException when the disk fails; nothing is then left behind
   */
  public Optional<StoredObject> commitBytes(ObjectKey key, byte[] bytes, ObjectMeta meta) throws IOException {
    PartialFile partial = createPartial(key, bytes.length);
    try {
      Files.write(partial.path(), bytes);
    } catch (IOException | RuntimeException e) {
      discard(partial);
      throw e;
    }
    return commit(partial, meta);
  }

  /** Deletes a partial file that will not be committed and releases its reservation. */
  public void discard(PartialFile partial) {
    try {
      Files.deleteIfExists(partial.path());
    } catch (IOException e) {
      log.warn("cannot delete partial file {}: {}", partial.path(), e.toString());
    }
    synchronized (this) {
      Long held = reservations.remove(partial.path());
      reservedBytes -= held == null ? 0 : held;
    }
  }

  /** Records that upstream confirmed the stored copy of {@code key} (a 304), rewriting its sidecar. */
  public Optional<StoredObject> markValidated(ObjectKey key, long nowMillis, String etag, String lastModified)
      throws IOException {
    StoredObject current;
    synchronized (this) {
      current = index.get(key);
    }
    if (current == null) {
      return Optional.empty();
    }
    ObjectMeta meta = current.meta().withValidation(nowMillis, etag, lastModified);
    writeSidecar(key, meta);
    StoredObject updated = new StoredObject(key, current.data(), meta);
    synchronized (this) {
      if (index.get(key) == current) {
        index.put(key, updated);
      }
    }
    return Optional.of(updated);
  }

  /**
   * Counts one more serving of a published object to a peer, in memory, if it is still offered (see
   * {@link Sharing#offered}); {@link #saveSharing} then makes the count durable. Fast: no disk I/O.
   *
   * @return the object with its new count, or empty when it is not stored, not published, expired, or
   *     was served as often as allowed
   */
  public synchronized Optional<StoredObject> claimShare(ObjectKey key, long nowMillis) {
    StoredObject current = index.get(key);
    if (current == null || current.meta().sharing() == null || !current.meta().sharing().offered(nowMillis)) {
      return Optional.empty();
    }
    StoredObject updated = new StoredObject(key, current.data(),
        current.meta().withSharing(current.meta().sharing().withOneMoreShare()));
    index.put(key, updated);
    return Optional.of(updated);
  }

  /** Writes the current share count of {@code key}'s object to its sidecar; nothing when it is gone. */
  public void saveSharing(ObjectKey key) throws IOException {
    synchronized (sidecarWrites) {
      StoredObject current;
      synchronized (this) {
        current = index.get(key);
      }
      if (current != null && current.meta().sharing() != null) {
        writeSidecar(key, current.meta());
      }
    }
  }

  /** Replaces {@code key}'s sidecar with {@code meta}, durably. */
  private void writeSidecar(ObjectKey key, ObjectMeta meta) throws IOException {
    synchronized (sidecarWrites) {
      Path sidecar = metaPath(key);
      Path temp = sidecar.resolveSibling(sidecar.getFileName() + TEMP_SUFFIX);
      writeDurably(temp, meta.toJson());
      move(temp, sidecar);
      syncDirectory(sidecar.getParent());
    }
  }

  Path dataPath(ObjectKey key) {
    return objectsDir.resolve(key.id().substring(0, 2)).resolve(key.id());
  }

  private Path metaPath(ObjectKey key) {
    return objectsDir.resolve(key.id().substring(0, 2)).resolve(key.id() + META_SUFFIX);
  }

  /**
   * Removes {@code key}'s object (a purge, or a copy found to be wrong). Readers that already opened its
   * file keep reading it; nobody finds it any more.
   *
   * @return the object removed, or empty when none was stored
   */
  public Optional<StoredObject> remove(ObjectKey key) throws IOException {
    StoredObject object;
    synchronized (this) {
      object = index.remove(key);
      if (object == null) {
        return Optional.empty();
      }
      accessedAt.remove(key);
      usedBytes -= object.size();
    }
    // Sidecar first: a body without one is cleaned up at the next start, never served.
    Files.deleteIfExists(metaPath(key));
    Files.deleteIfExists(object.data());
    return Optional.of(object);
  }

  /** Removes least recently used objects from the index until the quota holds; the caller deletes them. */
  private List<StoredObject> chooseVictims(ObjectKey keep) {
    List<StoredObject> victims = new ArrayList<>();
    Iterator<Map.Entry<ObjectKey, StoredObject>> it = index.entrySet().iterator();
    while (usedBytes + reservedBytes > quota && it.hasNext()) {
      Map.Entry<ObjectKey, StoredObject> e = it.next();
      if (e.getKey().equals(keep)) {
        continue;
      }
      it.remove();
      accessedAt.remove(e.getKey());
      usedBytes -= e.getValue().size();
      evictions++;
      victims.add(e.getValue());
    }
    return victims;
  }

  private void delete(List<StoredObject> victims) {
    for (StoredObject victim : victims) {
      try {
        // Sidecar first: a body without one is cleaned up at the next start, never served.
        Files.deleteIfExists(metaPath(victim.key()));
        Files.deleteIfExists(victim.data());
        log.debug("evicted {} ({} bytes)", victim.meta().url(), victim.size());
      } catch (IOException e) {
        log.warn("cannot delete evicted object {}: {}", victim.data(), e.toString());
      }
    }
  }

  private void recover() throws IOException {
    int discardedPartials = 0;
    try (DirectoryStream<Path> partials = Files.newDirectoryStream(partialDir)) {
      for (Path p : partials) {
        if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(p);
          discardedPartials++;
        } else {
          log.warn("ignoring {}: not a file the store wrote", p);
        }
      }
    }
    record Found(StoredObject object, long mtime) {}
    List<Found> found = new ArrayList<>();
    int discarded = 0;
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(objectsDir)) {
      for (Path shard : shards) {
        if (!Files.isDirectory(shard)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
          for (Path file : files) {
            String name = file.getFileName().toString();
            if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
              log.warn("ignoring {}: not a file the store wrote", file);
            } else if (name.endsWith(META_SUFFIX + TEMP_SUFFIX)) {
              Files.deleteIfExists(file);
            } else if (name.endsWith(META_SUFFIX)) {
              StoredObject object = recoverOne(file, name.substring(0, name.length() - META_SUFFIX.length()));
              if (object == null) {
                discarded++;
              } else {
                found.add(new Found(object, Files.getLastModifiedTime(object.data()).toMillis()));
              }
            }
          }
        }
        // Bodies whose sidecar never arrived (a crash mid-commit) or was invalid.
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
          for (Path file : files) {
            String name = file.getFileName().toString();
            if (!name.contains(".") && Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && !Files.exists(file.resolveSibling(name + META_SUFFIX))) {
              Files.deleteIfExists(file);
              discarded++;
            }
          }
        }
      }
    }
    found.sort(Comparator.comparingLong(Found::mtime));
    List<StoredObject> victims;
    synchronized (this) {
      for (Found f : found) {
        index.put(f.object().key(), f.object());
        accessedAt.put(f.object().key(), f.mtime());
        usedBytes += f.object().size();
      }
      victims = chooseVictims(null);
    }
    delete(victims);
    log.debug("store recovered: {} objects, {} bytes; discarded {} partial and {} incomplete files",
        found.size() - victims.size(), usedBytes, discardedPartials, discarded);
  }

  private StoredObject recoverOne(Path sidecar, String id) throws IOException {
    ObjectKey key;
    try {
      key = new ObjectKey(id);
    } catch (IllegalArgumentException e) {
      log.warn("removing unrecognised file {}", sidecar);
      Files.deleteIfExists(sidecar);
      return null;
    }
    Path data = dataPath(key);
    try {
      ObjectMeta meta = ObjectMeta.fromJson(Files.readString(sidecar, StandardCharsets.UTF_8));
      long actual = Files.size(data);
      if (actual != meta.size()) {
        throw new IllegalArgumentException("body has " + actual + " bytes, sidecar says " + meta.size());
      }
      return new StoredObject(key, data, meta);
    } catch (NoSuchFileException e) {
      log.warn("removing {}: its body is missing", sidecar);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      log.warn("removing {}: {}", sidecar, e.getMessage());
    }
    Files.deleteIfExists(sidecar);
    Files.deleteIfExists(data);
    return null;
  }

  private static void writeDurably(Path file, String text) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      channel.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      channel.force(true);
    }
  }

  /** Makes the renames and deletions in {@code dir} durable (Linux: fsync on the folder). */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** The crash tests' hook (see {@link #PAUSE_BEFORE_DIRECTORY_SYNC}); nothing when it is not set. */
  private void pauseForCrashTest() throws IOException {
    if (pauseBeforeDirectorySync == null) {
      return;
    }
    writeDurably(pauseBeforeDirectorySync, "renamed, folder not synced\n");
    try {
      Thread.sleep(600_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while paused for a crash test", e);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the cache folder's file system cannot rename atomically: " + e.getMessage(), e);
    }
  }
}
