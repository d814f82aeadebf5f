package dev.potluck.node.trust.pacman;

import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.Expectation;
import dev.potluck.node.trust.MetadataAuthority;
import dev.potluck.node.trust.apt.OpenPgpVerifier;
import dev.potluck.node.trust.apt.PackageTable;
import dev.potluck.node.trust.apt.TrustedKeys;
import dev.potluck.node.trust.apt.VerificationException;
import dev.potluck.node.trust.apt.VerifiedText;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * pacman's chain of trust, followed by the node itself: a repository database ({@code core.db}, or the
 * {@code core.db.tar.zst} it usually links to), checked against its {@code core.db.sig} when this node
 * has seen one, by a key in {@link TrustedKeys}; then each package file next to the database by the
 * {@code %SHA256SUM%} and {@code %CSIZE%} of its {@code desc} entry.
 *
 * <p>A database without a signature counts as this node's own fetch of the repository's metadata: Arch
 * Linux signs packages, not databases. Once a database's {@code .sig} has been seen, the database must
 * verify against the latest one; a signature that fails, or was made by a key this node does not trust,
 * makes this authority vouch for nothing of that database and say why in {@link #problems}. Package
 * signatures ({@code .pkg.tar.zst.sig}) are vouched for by the {@code %PGPSIG%} the database carries
 * for them (repo-add puts it there); mutable metadata is not vouched for.
 *
 * <p>Thread-safe: {@link #observe} runs on worker threads, {@link #lookup} on the event loop. State
 * changes happen under one lock; verifying and reading a database does not hold it.
 */
public final class PacmanAuthority implements MetadataAuthority {

  private static final Logger log = LoggerFactory.getLogger(PacmanAuthority.class);

  /** The most a database may hold to be checked against a signature (Arch's extra.db is ~8 MB). */
  static final long MAX_SIGNED_DB_BYTES = 256L << 20;
  /** The most a detached signature may hold. */
  static final int MAX_SIGNATURE_BYTES = 64 << 10;

  /** {@code <name>.db} or {@code <name>.db.tar[.gz|.xz|.zst|.bz2]}, with {@code .sig} for its signature. */
  private static final Pattern DATABASE = Pattern.compile("(.+)\\.db(?:\\.tar(?:\\.(?:gz|xz|zst|bz2))?)?(\\.sig)?");

  /** The latest stored database of one name in one folder. */
  private record Observed(CanonicalUrl url, Path file, Sha256 sha256) {}

  /** What one database lists, and what it was judged from. */
  private record Listing(PackageTable table, Sha256 database, Sha256 signature, String source) {}

  private final OpenPgpVerifier verifier;
  private final Supplier<Instant> clock;
  private final Object lock = new Object();
  // By database: its folder and name without suffix, e.g. https://mirror/core/os/x86_64/core. Under lock.
  private final Map<String, Observed> databases = new HashMap<>();
  private final Map<String, byte[]> signatures = new HashMap<>();
  private final Map<String, Long> generations = new HashMap<>();
  /** Read by lookup without the lock. */
  private final Map<String, Listing> listings = new ConcurrentHashMap<>();
  private final Map<String, String> problems = new ConcurrentHashMap<>();

  public PacmanAuthority(TrustedKeys keys, Supplier<Instant> clock) {
    this.verifier = new OpenPgpVerifier(keys);
    this.clock = clock;
  }

  /** A file in a local cache ({@code --import}): vouched for when a verified package list lists its bytes. */
  @Override
  public dev.potluck.node.trust.FileVerdict judgeFile(String fileName, Sha256 sha256, long size) {
    return PackageTable.judge(listings.values(), Listing::source, Listing::table, fileName, sha256, size);
  }

  @Override
  public Expectation lookup(CanonicalUrl url) {
    String text = url.toString();
    for (Listing listing : listings.values()) {
      PackageTable.Listed listed = listing.table().lookup(text);
      if (listed != null) {
        return new Expectation(listed.sha256(), listed.size(),
            listing.signature() == null ? Authority.FETCHED_METADATA : Authority.SIGNED_METADATA, listing.source());
      }
    }
    return null;
  }

  @Override
  public void observe(CanonicalUrl url, Path file, Sha256 sha256) {
    Matcher m = DATABASE.matcher(url.fileName());
    if (!m.matches()) {
      return;
    }
    String text = url.toString();
    String key = text.substring(0, text.lastIndexOf('/') + 1) + m.group(1);
    boolean isSignature = m.group(2) != null;
    Observed database;
    byte[] signature;
    long generation;
    try {
      byte[] sig = isSignature ? readSignature(file) : null;
      synchronized (lock) {
        if (isSignature) {
          signatures.put(key, sig);
        } else {
          databases.put(key, new Observed(url, file, sha256 != null ? sha256 : digestOf(file)));
        }
        generation = generations.merge(key, 1L, Long::sum);
        database = databases.get(key);
        signature = signatures.get(key);
      }
    } catch (IOException e) {
      log.debug("cannot read {} from the cache: {}", url, e.toString());
      return;
    }
    if (database == null) {
      return; // a signature whose database has not been seen yet: kept for it
    }
    Sha256 signatureDigest = signature == null ? null : Sha256.of(signature);
    Listing current = listings.get(key);
    if (current != null && current.database().equals(database.sha256())
        && Objects.equals(current.signature(), signatureDigest)) {
      return; // the same database under its other name (core.db and core.db.tar.zst)
    }
    judge(key, database, signature, signatureDigest, generation);
  }

  /** Verifies and reads {@code key}'s database, then installs what it lists unless a newer file came meanwhile. */
  private void judge(String key, Observed database, byte[] signature, Sha256 signatureDigest, long generation) {
    String where = database.url().toString();
    PackageTable table;
    String source;
    String problem = null;
    RepoDatabase.Summary summary = null;
    try {
      String how;
      if (signature == null) {
        how = "unsigned, as this node fetched it";
      } else {
        if (Files.size(database.file()) > MAX_SIGNED_DB_BYTES) {
          throw new PacmanFormatException("larger than " + MAX_SIGNED_DB_BYTES + " bytes: not a pacman database");
        }
        VerifiedText verified = verifier.verifyDetached(Files.readAllBytes(database.file()), signature, clock.get());
        how = "signed by key " + verified.keyIdHex();
      }
      String folder = key.substring(0, key.lastIndexOf('/') + 1);
      PackageTable.Builder builder = new PackageTable.Builder();
      try (InputStream in = Files.newInputStream(database.file())) {
        summary = RepoDatabase.read(in, e -> {
          builder.add(folder + e.filename(), e.sha256(), e.size());
          if (e.signature() != null) {
            // The database carries each package's .sig (%PGPSIG%): those are vouched for as well, so that a
            // host takes them wherever it took the package, as pacman asks for both from the same server.
            builder.add(folder + e.filename() + ".sig", e.signature().sha256(), e.signature().size());
          }
        });
      }
      table = builder.build();
      source = "the database " + where + " (" + how + ")";
    } catch (IOException e) {
      log.debug("cannot read {} from the cache: {}", where, e.toString());
      return;
    } catch (VerificationException e) {
      table = null;
      source = null;
      problem = where + ": " + e.getMessage() + " (checked against its .sig)";
    } catch (PacmanFormatException e) {
      table = null;
      source = null;
      problem = where + ": " + e.getMessage();
    }
    synchronized (lock) {
      if (generations.getOrDefault(key, 0L) != generation) {
        return; // a newer database or signature arrived while this one was read: it is judged instead
      }
      if (problem != null) {
        listings.remove(key);
        if (!problem.equals(problems.put(key, problem))) {
          log.warn("not sharing what {} vouches for: {}", key, problem);
        }
        return;
      }
      listings.put(key, new Listing(table, database.sha256(), signatureDigest, source));
      problems.remove(key);
    }
    log.info("verified {}: {} package files listed{}", source, table.size(),
        summary.skipped() > 0 ? " (" + summary.skipped() + " entries without a file name, SHA-256 or size skipped)" : "");
  }

  @Override
  public List<String> problems() {
    return List.copyOf(problems.values());
  }

  /** How many package files (and package signatures) the verified databases list, all together. */
  public long listedPackages() {
    long n = 0;
    for (Listing l : listings.values()) {
      n += l.table().size();
    }
    return n;
  }

  /** The signature file, cut at {@link #MAX_SIGNATURE_BYTES}: a longer one is no signature and fails as malformed. */
  private static byte[] readSignature(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(MAX_SIGNATURE_BYTES);
    }
  }

  private static Sha256 digestOf(Path file) throws IOException {
    var digest = Sha256.newDigest();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return Sha256.of(digest);
  }
}
