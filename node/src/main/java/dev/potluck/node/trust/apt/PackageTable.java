package dev.potluck.node.trust.apt;

import dev.potluck.protocol.Sha256;
import java.util.HexFormat;

/**
 * The files of one verified Packages index, by URL: their SHA-256 and size, in flat arrays rather than
 * a map of objects. A Debian {@code main} index lists some 64,000 packages; as a map of strings to
 * records that is some 20 MB of heap, here 6 MB (an open-addressed table of 64-bit URL hashes,
 * 32-byte digests and sizes, at most half full). Two URLs sharing a 64-bit hash would share an entry;
 * at this size the odds are about one in 10^10, and the harm would be a right file failing its check
 * (an error, never wrong bytes passed: the digest that wins is still one the signed index lists).
 * Immutable once built; safe to read from any thread. The apt, dnf and pacman authorities each keep
 * their verified package lists in these.
 */
public final class PackageTable {

  private static final int DIGEST_BYTES = 32;
  private static final HexFormat HEX = HexFormat.of();

  private final long[] hashes;
  private final byte[] digests;
  private final long[] sizes;
  /** Each slot's file name (the URL's last segment, decoded), hashed as the URL is; for {@link #findByName}. */
  private final long[] names;
  private final int mask;
  private final int count;

  private PackageTable(long[] hashes, byte[] digests, long[] sizes, long[] names, int count) {
    this.hashes = hashes;
    this.digests = digests;
    this.sizes = sizes;
    this.names = names;
    this.mask = hashes.length - 1;
    this.count = count;
  }

  /** Collects entries, then {@link #build}s the table. Not thread-safe. */
  public static final class Builder {
    private long[] hashes = new long[1024];
    private byte[] digests = new byte[1024 * DIGEST_BYTES];
    private long[] sizes = new long[1024];
    private long[] names = new long[1024];
    private int count;

    /** Adds the file at {@code url} (as {@link #keyOf} spells it); a URL listed twice keeps its last entry. */
    public Builder add(String url, Sha256 sha256, long size) {
      if (count == hashes.length) {
        hashes = java.util.Arrays.copyOf(hashes, count * 2);
        digests = java.util.Arrays.copyOf(digests, count * 2 * DIGEST_BYTES);
        sizes = java.util.Arrays.copyOf(sizes, count * 2);
        names = java.util.Arrays.copyOf(names, count * 2);
      }
      String key = keyOf(url);
      hashes[count] = hashOf(key);
      names[count] = hashOf(key.substring(key.lastIndexOf('/') + 1));
      byte[] raw = HEX.parseHex(sha256.hex());
      System.arraycopy(raw, 0, digests, count * DIGEST_BYTES, DIGEST_BYTES);
      sizes[count] = size;
      count++;
      return this;
    }

    public PackageTable build() {
      int capacity = Integer.highestOneBit(Math.max(16, count * 2 - 1)) << 1;
      long[] h = new long[capacity];
      byte[] d = new byte[capacity * DIGEST_BYTES];
      long[] s = new long[capacity];
      long[] n = new long[capacity];
      int mask = capacity - 1;
      int stored = 0;
      for (int i = 0; i < count; i++) {
        int slot = (int) hashes[i] & mask;
        while (h[slot] != 0 && h[slot] != hashes[i]) {
          slot = (slot + 1) & mask;
        }
        if (h[slot] == 0) {
          stored++;
        }
        h[slot] = hashes[i];
        System.arraycopy(digests, i * DIGEST_BYTES, d, slot * DIGEST_BYTES, DIGEST_BYTES);
        s[slot] = sizes[i];
        n[slot] = names[i];
      }
      return new PackageTable(h, d, s, n, stored);
    }
  }

  /** The digest and size listed for {@code url}, or null when the index does not list it. */
  public Listed lookup(String url) {
    long hash = hashOf(keyOf(url));
    int slot = (int) hash & mask;
    while (hashes[slot] != 0) {
      if (hashes[slot] == hash) {
        int from = slot * DIGEST_BYTES;
        return new Listed(new Sha256(HEX.formatHex(digests, from, from + DIGEST_BYTES)), sizes[slot]);
      }
      slot = (slot + 1) & mask;
    }
    return null;
  }

  /**
   * Whether the index lists a file of {@code size} bytes with this digest, whatever its URL: a local file
   * ({@code --import}) is recognised by its bytes. A scan of the whole table: for occasional checks only.
   */
  public boolean listsContent(Sha256 sha256, long size) {
    byte[] raw = HEX.parseHex(sha256.hex());
    for (int slot = 0; slot < hashes.length; slot++) {
      if (hashes[slot] != 0 && sizes[slot] == size && java.util.Arrays.equals(digests, slot * DIGEST_BYTES,
          slot * DIGEST_BYTES + DIGEST_BYTES, raw, 0, DIGEST_BYTES)) {
        return true;
      }
    }
    return false;
  }

  /**
   * What the index lists for a file named {@code fileName} (the last segment of its URL), or null. A
   * scan of the whole table: for occasional checks only.
   */
  public Listed findByName(String fileName) {
    long hash = hashOf(keyOf(fileName));
    for (int slot = 0; slot < hashes.length; slot++) {
      if (hashes[slot] != 0 && names[slot] == hash) {
        int from = slot * DIGEST_BYTES;
        return new Listed(new Sha256(HEX.formatHex(digests, from, from + DIGEST_BYTES)), sizes[slot]);
      }
    }
    return null;
  }

  /**
   * What {@code tables} (by the source named in messages) say of a local file spelt {@code names}: one
   * that lists its bytes vouches for it; else one that lists a name with other bytes rules it out; else
   * null.
   */
  public static dev.potluck.node.trust.FileVerdict judge(java.util.Map<String, PackageTable> tables,
      java.util.List<String> names, Sha256 sha256, long size) {
    for (java.util.Map.Entry<String, PackageTable> e : tables.entrySet()) {
      if (e.getValue().listsContent(sha256, size)) {
        return new dev.potluck.node.trust.FileVerdict(true, e.getKey());
      }
    }
    for (java.util.Map.Entry<String, PackageTable> e : tables.entrySet()) {
      for (String name : names) {
        Listed listed = e.getValue().findByName(name);
        if (listed != null) {
          return new dev.potluck.node.trust.FileVerdict(false, e.getKey() + " lists " + names.get(0) + " as "
              + listed.size() + " bytes with SHA-256 " + listed.sha256());
        }
      }
    }
    return null;
  }

  /**
   * As {@link #judge(java.util.Map, java.util.List, Sha256, long)}, for one file name and {@code listings}
   * that each have a source and a table; of several listings from one source, the first speaks.
   */
  public static <L> dev.potluck.node.trust.FileVerdict judge(Iterable<L> listings,
      java.util.function.Function<L, String> source, java.util.function.Function<L, PackageTable> table,
      String fileName, Sha256 sha256, long size) {
    java.util.Map<String, PackageTable> bySource = new java.util.LinkedHashMap<>();
    for (L listing : listings) {
      bySource.putIfAbsent(source.apply(listing), table.apply(listing));
    }
    return judge(bySource, java.util.List.of(fileName), sha256, size);
  }

  /** A file as an index lists it. */
  public record Listed(Sha256 sha256, long size) {}

  public int size() {
    return count;
  }

  /**
   * The spelling under which URLs are compared: every percent-escape decoded, since clients differ in
   * which characters of a file name they escape (apt has sent {@code +} both as is and as {@code %2B}).
   */
  public static String keyOf(String url) {
    if (url.indexOf('%') < 0) {
      return url;
    }
    return java.net.URLDecoder.decode(url.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A 64-bit hash, never 0 (0 marks an empty slot): FNV-1a, then MurmurHash3's finaliser to spread it. */
  static long hashOf(String key) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < key.length(); i++) {
      h ^= key.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb93fe344ae53L;
    h ^= h >>> 33;
    return h == 0 ? 1 : h;
  }
}
