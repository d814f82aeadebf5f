package dev.potluck.node.cache;

import dev.potluck.node.store.ObjectMeta;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.trust.Authorities;
import dev.potluck.node.trust.FileVerdict;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.freshness.ObjectKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Package caches this node offers to the LAN read-only ({@code --import DIR}): {@code
 * /var/cache/apt/archives}, {@code /var/cache/pacman/pkg}, dnf's cache. Files stay where they are; the
 * node only reads them. A file is offered only while a verified package list the node has vouches for
 * its bytes (its SHA-256 and size), under the key its content has on the LAN.
 *
 * <p>The index remembers each file's size, modification time and digest, so a {@link #scan} hashes only
 * new or changed files and notices those that disappeared. Before a file is served it is checked again
 * ({@link #verify}: size, time and the whole digest); one that no longer matches is withdrawn, never
 * served. The receiving node verifies the bytes too, against its own authority, before it keeps them.
 *
 * <p>Thread-safety: {@link #scan} and {@link #verify} read files and block (run them on a worker); the
 * index is guarded by this object's monitor, never held during I/O.
 */
public final class ImportedFiles {

  private static final Logger log = LoggerFactory.getLogger(ImportedFiles.class);

  /** The host of the (never fetched) URLs under which imported files are described. */
  static final String HOST = "imported.potluck.invalid";
  /** How deep under an imported folder files are looked for (dnf's cache keeps them in {@code repo/packages/}). */
  static final int MAX_DEPTH = 4;

  public static final String NOT_LISTED = "no verified package list this node has lists it";
  public static final String OTHER_BYTES = "a verified package list names it with other bytes";
  public static final String UNREADABLE = "cannot be read";

  /** One offered file. */
  public record Entry(ObjectKey key, Path file, long size, long modifiedMillis, Sha256 sha256, String source) {
    /** The file as the store describes objects, to be served like a stored one. */
    public StoredObject asStored() {
      String name = java.net.URLEncoder.encode(file.getFileName().toString(), java.nio.charset.StandardCharsets.UTF_8);
      return new StoredObject(key, file, new ObjectMeta("http://" + HOST + "/" + name, size, sha256, null, null, null,
          modifiedMillis, modifiedMillis));
    }
  }

  /** What a scan changed: files now offered, and keys no longer offered. */
  public record Changes(List<Entry> offered, List<ObjectKey> withdrawn) {}

  /**
   * For the status: the folders, how many files are offered, and how many refused, by reason.
   *
   * @param refused reason ({@link #NOT_LISTED}, {@link #OTHER_BYTES}, {@link #UNREADABLE}) to count
   */
  public record Report(List<String> dirs, int offered, Map<String, Integer> refused) {}

  /** What the last scan saw of one file. */
  private record Seen(long size, long modifiedMillis, Sha256 sha256, String refusal, String detail) {}

  private final List<Path> dirs;
  /** Guarded by {@code this}. */
  private final Map<Path, Seen> seen = new HashMap<>();
  /** Guarded by {@code this}. */
  private final Map<ObjectKey, Entry> offered = new LinkedHashMap<>();

  public ImportedFiles(List<Path> dirs) {
    this.dirs = List.copyOf(dirs);
  }

  public List<Path> dirs() {
    return dirs;
  }

  /**
   * Walks the folders: hashes new and changed files, asks {@code authorities} about each, and forgets
   * files that are gone. Blocks.
   */
  public Changes scan(Authorities authorities) {
    Map<Path, Seen> now = new HashMap<>();
    Map<ObjectKey, Entry> next = new LinkedHashMap<>();
    for (Path dir : dirs) {
      if (!Files.isDirectory(dir)) {
        log.debug("imported folder {} is not there (yet)", dir);
        continue;
      }
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir, MAX_DEPTH)) {
        files = walk.filter(p -> isPackageFile(dir, p)).sorted().toList();
      } catch (IOException | UncheckedIOException e) {
        log.warn("cannot list imported folder {}: {}", dir, e.getMessage());
        continue;
      }
      for (Path file : files) {
        Seen judged = judge(file, authorities);
        if (judged == null) {
          continue; // vanished while the folder was read
        }
        now.put(file, judged);
        if (judged.refusal() == null) {
          ObjectKey key = new ObjectKey(judged.sha256().hex());
          next.putIfAbsent(key, new Entry(key, file, judged.size(), judged.modifiedMillis(), judged.sha256(),
              judged.detail()));
        }
      }
    }
    List<Entry> added = new ArrayList<>();
    List<ObjectKey> withdrawn = new ArrayList<>();
    synchronized (this) {
      for (Map.Entry<ObjectKey, Entry> e : next.entrySet()) {
        if (!e.getValue().equals(offered.get(e.getKey()))) {
          added.add(e.getValue());
        }
      }
      for (ObjectKey key : offered.keySet()) {
        if (!next.containsKey(key)) {
          withdrawn.add(key);
        }
      }
      seen.clear();
      seen.putAll(now);
      offered.clear();
      offered.putAll(next);
    }
    for (Entry e : added) {
      log.info("offering imported {} ({} bytes, SHA-256 {}): {} lists it", e.file(), e.size(), e.sha256(), e.source());
    }
    for (ObjectKey key : withdrawn) {
      log.info("no longer offering imported {}: its file is gone, changed, or no longer vouched for", key);
    }
    return new Changes(added, withdrawn);
  }

  /** Whether {@code key} is offered (as of the last scan or check). */
  public synchronized boolean has(ObjectKey key) {
    return offered.containsKey(key);
  }

  /**
   * The offered file for {@code key}, checked against it now: the same size and modification time,
   * and the same SHA-256 read through. Blocks. A file that no longer matches is withdrawn.
   *
   * @return the entry, or null when it is not offered or no longer matches
   */
  public Entry verify(ObjectKey key) {
    Entry entry;
    synchronized (this) {
      entry = offered.get(key);
    }
    if (entry == null) {
      return null;
    }
    String problem;
    try {
      BasicFileAttributes now = Files.readAttributes(entry.file(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!now.isRegularFile() || now.size() != entry.size()
          || now.lastModifiedTime().toMillis() != entry.modifiedMillis()) {
        problem = "it changed since it was checked";
      } else {
        Sha256 actual = hash(entry.file());
        problem = actual.equals(entry.sha256()) ? null : "its bytes no longer hash to " + entry.sha256();
      }
    } catch (IOException e) {
      problem = "it cannot be read: " + e.getMessage();
    }
    if (problem == null) {
      return entry;
    }
    log.warn("withdrawing imported {}: {}", entry.file(), problem);
    synchronized (this) {
      offered.remove(key, entry);
      seen.remove(entry.file()); // judged afresh by the next scan
    }
    return null;
  }

  public synchronized Report report() {
    Map<String, Integer> refused = new TreeMap<>();
    for (Seen s : seen.values()) {
      if (s.refusal() != null) {
        refused.merge(s.refusal(), 1, Integer::sum);
      }
    }
    return new Report(dirs.stream().map(Path::toString).toList(), offered.size(), refused);
  }

  private Seen judge(Path file, Authorities authorities) {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return null;
    }
    long size = attributes.size();
    long modified = attributes.lastModifiedTime().toMillis();
    Seen before;
    synchronized (this) {
      before = seen.get(file);
    }
    Sha256 sha256;
    if (before != null && before.size() == size && before.modifiedMillis() == modified && before.sha256() != null) {
      sha256 = before.sha256();
    } else {
      try {
        sha256 = hash(file);
      } catch (IOException e) {
        log.debug("cannot read imported {}: {}", file, e.getMessage());
        return new Seen(size, modified, null, UNREADABLE, e.getMessage());
      }
    }
    FileVerdict verdict = authorities.judgeFile(file.getFileName().toString(), sha256, size);
    if (verdict == null) {
      return new Seen(size, modified, sha256, NOT_LISTED, null);
    }
    if (!verdict.vouched()) {
      if (before == null || !OTHER_BYTES.equals(before.refusal())) {
        log.warn("not offering imported {} ({} bytes, SHA-256 {}): {}", file, size, sha256, verdict.source());
      }
      return new Seen(size, modified, sha256, OTHER_BYTES, verdict.source());
    }
    return new Seen(size, modified, sha256, null, verdict.source());
  }

  /** A package file, not inside a folder where the package manager keeps downloads under way. */
  private static boolean isPackageFile(Path dir, Path file) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    for (Path part : dir.relativize(file)) {
      if (part.toString().equals("partial")) {
        return false;
      }
    }
    return ObjectKind.ofPath("/" + file.getFileName()) == ObjectKind.IMMUTABLE;
  }

  private static Sha256 hash(Path file) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    byte[] buffer = new byte[128 * 1024];
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return Sha256.of(digest);
  }
}
