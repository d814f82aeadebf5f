package dev.potluck.node.trust.apt;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;

/**
 * The OpenPGP public keys a host's apt trusts, looked up by key id (primary keys and their subkeys).
 *
 * <p>Loading follows apt: a directory contributes its {@code *.gpg} (binary keyring) and {@code *.asc}
 * (ASCII-armored) files, not recursively, except {@code *-removed-keys.gpg} (see {@link #fromHost});
 * a file named explicitly is read whatever its name. A file
 * that cannot be read or holds no keys is not fatal: it is recorded in {@link #skipped()} with the
 * reason, so the caller can log it, and the other files still count. An instance is immutable.
 */
public final class TrustedKeys {

  /**
   * Where apt looks for keys: the legacy keyring, its fragment directory, and the two directories
   * {@code signed-by=} options conventionally point into. The last two are a superset of what apt
   * applies to any one source, which is the best a proxy that does not read sources.list can do.
   */
  public static final List<Path> APT_PLACES =
      List.of(
          Path.of("/etc/apt/trusted.gpg"),
          Path.of("/etc/apt/trusted.gpg.d"),
          Path.of("/etc/apt/keyrings"),
          Path.of("/usr/share/keyrings"));

  /** A file or directory that contributed no keys, and why. */
  public record Skipped(Path path, String reason) {}

  private final Map<Long, Entry> byKeyId;
  private final List<Skipped> skipped;
  private final int files;

  /** A key together with the ring (its primary key and certificates) it belongs to. */
  record Entry(PGPPublicKey key, PGPPublicKeyRing ring) {}

  private TrustedKeys(Map<Long, Entry> byKeyId, List<Skipped> skipped, int files) {
    this.byKeyId = Map.copyOf(byKeyId);
    this.skipped = List.copyOf(skipped);
    this.files = files;
  }

  /**
   * The keys in apt's standard places ({@link #APT_PLACES}). Distribution keyrings of withdrawn keys
   * ({@code *-removed-keys.gpg}, which Debian and Ubuntu ship in {@code /usr/share/keyrings}) are
   * skipped: apt never trusts them, and they exist so that old signatures can be recognised as such.
   * Places that do not exist are not reported: most hosts lack some of them.
   */
  public static TrustedKeys fromHost() {
    List<Path> present = APT_PLACES.stream().filter(Files::exists).toList();
    return load(present);
  }

  /**
   * The keys in {@code paths}: each a keyring file ({@code --keyring FILE}, a {@code signed-by=}
   * path) or a directory of them. Never throws for a bad file; see {@link #skipped()}.
   */
  public static TrustedKeys load(List<Path> paths) {
    Loader loader = new Loader();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        loader.directory(path);
      } else {
        loader.file(path);
      }
    }
    return new TrustedKeys(loader.byKeyId, loader.skipped, loader.files);
  }

  /** The keys in one keyring given as bytes, binary or armored; for callers that hold them already. */
  public static TrustedKeys parse(byte[] keyring) throws IOException {
    Loader loader = new Loader();
    try {
      if (loader.add(keyring) == 0) {
        throw new IOException("no OpenPGP public keys in the " + keyring.length + " bytes given");
      }
    } catch (IOException | PGPException | RuntimeException e) {
      throw new IOException("not an OpenPGP keyring: " + describe(e), e);
    }
    return new TrustedKeys(loader.byKeyId, List.of(), 1);
  }

  /** The key, primary or subkey, with this 64-bit id. */
  public Optional<PGPPublicKey> find(long keyId) {
    Entry entry = byKeyId.get(keyId);
    return entry == null ? Optional.empty() : Optional.of(entry.key());
  }

  Optional<Entry> entry(long keyId) {
    return Optional.ofNullable(byKeyId.get(keyId));
  }

  /** The ids of every key, primary and subkey, in gpg's spelling (16 upper-case hex digits), sorted. */
  public List<String> keyIds() {
    TreeSet<String> ids = new TreeSet<>();
    for (long id : byKeyId.keySet()) {
      ids.add(hex(id));
    }
    return List.copyOf(ids);
  }

  /** How many distinct keys, primary and subkey, were loaded. */
  public int size() {
    return byKeyId.size();
  }

  /** How many files contributed at least one key. */
  public int files() {
    return files;
  }

  /** Files and directories that contributed nothing, in the order met. */
  public List<Skipped> skipped() {
    return skipped;
  }

  /** A key id as gpg and apt print it, e.g. {@code 6ED0E7B82643E131}. */
  public static String hex(long keyId) {
    return String.format(Locale.ROOT, "%016X", keyId);
  }

  @Override
  public String toString() {
    return "TrustedKeys[" + size() + " keys from " + files + " files, " + skipped.size() + " skipped]";
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static final String ARMOR_HEADER = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

  /** Mutable state of one load; never escapes. */
  private static final class Loader {
    private final Map<Long, Entry> byKeyId = new HashMap<>();
    private final List<Skipped> skipped = new ArrayList<>();
    private int files;

    void directory(Path dir) {
      List<Path> entries = new ArrayList<>();
      try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
        stream.forEach(entries::add);
      } catch (IOException | RuntimeException e) {
        skipped.add(new Skipped(dir, "cannot list the directory: " + describe(e)));
        return;
      }
      // Sorted, so that which copy of a key appearing twice is kept does not depend on the file system.
      Collections.sort(entries);
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.endsWith("-removed-keys.gpg")) {
          skipped.add(new Skipped(entry, "a keyring of keys the distribution has withdrawn"));
        } else if (!(name.endsWith(".gpg") || name.endsWith(".asc"))) {
          skipped.add(new Skipped(entry, "not a .gpg or .asc file, which apt ignores in a directory"));
        } else if (!Files.isRegularFile(entry)) {
          skipped.add(new Skipped(entry, "not a regular file"));
        } else {
          file(entry);
        }
      }
    }

    void file(Path path) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(path);
      } catch (IOException | RuntimeException e) {
        skipped.add(new Skipped(path, "cannot read: " + describe(e)));
        return;
      }
      if (bytes.length == 0) {
        // apt itself leaves empty keyrings behind (apt-key), so this is common and harmless.
        skipped.add(new Skipped(path, "empty file"));
        return;
      }
      try {
        int added = add(bytes);
        if (added == 0) {
          skipped.add(new Skipped(path, "holds no OpenPGP public keys"));
        } else {
          files++;
        }
      } catch (IOException | PGPException | RuntimeException e) {
        // BouncyCastle reports some malformed packets with unchecked exceptions.
        skipped.add(new Skipped(path, "not an OpenPGP keyring: " + describe(e)));
      }
    }

    /** Adds every key in a binary or armored keyring; returns how many rings it held. */
    int add(byte[] bytes) throws IOException, PGPException {
      // A packet's first byte has its high bit set; anything else must be ASCII armor. Say so plainly
      // rather than pass on BouncyCastle's base64 complaints about a text file.
      if (bytes.length == 0) {
        return 0;
      }
      if ((bytes[0] & 0x80) == 0 && !new String(bytes, StandardCharsets.ISO_8859_1).contains(ARMOR_HEADER)) {
        throw new IOException("neither binary OpenPGP packets nor an armored " + ARMOR_HEADER + " block");
      }
      int rings = 0;
      // getDecoderStream looks at the first bytes: armored text or binary packets.
      try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(bytes))) {
        PGPPublicKeyRingCollection collection =
            new PGPPublicKeyRingCollection(in, new BcKeyFingerprintCalculator());
        for (Iterator<PGPPublicKeyRing> it = collection.getKeyRings(); it.hasNext(); ) {
          PGPPublicKeyRing ring = it.next();
          rings++;
          for (Iterator<PGPPublicKey> keys = ring.getPublicKeys(); keys.hasNext(); ) {
            PGPPublicKey key = keys.next();
            byKeyId.putIfAbsent(key.getKeyID(), new Entry(key, ring));
          }
        }
      }
      return rings;
    }
  }
}
