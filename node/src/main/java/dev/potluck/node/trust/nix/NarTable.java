package dev.potluck.node.trust.nix;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The nar files that verified narinfos vouch for: URL → SHA-256 and size, the most recent
 * {@code capacity} of them. A binary cache serves narinfos by the hundred thousand, so entries live in
 * flat arrays rather than a map of objects: a ring in the order entries were first learnt (the oldest
 * is overwritten when it is full) and an open-addressed index over it, about 60 bytes an entry. The
 * arrays start small and grow to {@code capacity} as entries come.
 *
 * <p>A URL is held as the first 64 bits of its SHA-256. Two URLs sharing them would share an entry; at
 * 100,000 entries the odds are about one in 10^9, and the harm would be a right file failing its check
 * (an error, never wrong bytes passed: whichever digest wins is one a signed narinfo gave).
 *
 * <p>Thread-safe: every method holds this table's lock, briefly, and does no I/O.
 */
final class NarTable {

  private static final int DIGEST_BYTES = 32;
  private static final int INITIAL = 1024;

  /** A nar file as a narinfo lists it; {@code source} is what {@link #put} was given. */
  record Listed(byte[] sha256, long size, int source) {}

  private final int capacity;
  private long[] keys;
  private byte[] digests;
  private long[] sizes;
  private int[] sources;
  /** Entries held, at most {@code keys.length}. */
  private int count;
  /** The ring position the next new entry takes: the oldest entry's, once the ring is full. */
  private int next;
  /** Open addressing with linear probing: ring position + 1, or 0 for an empty slot. */
  private int[] index;

  NarTable(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    }
    this.capacity = capacity;
    allocate(Math.min(INITIAL, capacity));
  }

  /** Records what {@code url} must be; a URL already held keeps its place and takes the new values. */
  synchronized void put(String url, byte[] sha256, long size, int source) {
    long key = keyOf(url);
    int slot = find(key);
    int position;
    if (slot >= 0) {
      position = index[slot] - 1;
    } else {
      if (count == keys.length) {
        if (keys.length < capacity) {
          grow();
        } else {
          remove(find(keys[next]));
          count--;
        }
      }
      position = next;
      next = (next + 1) % keys.length;
      count++;
      keys[position] = key;
      insert(key, position);
    }
    System.arraycopy(sha256, 0, digests, position * DIGEST_BYTES, DIGEST_BYTES);
    sizes[position] = size;
    sources[position] = source;
  }

  /** What {@code url} must be, or null when no narinfo held here lists it. */
  synchronized Listed get(String url) {
    if (count == 0) {
      return null;
    }
    int slot = find(keyOf(url));
    if (slot < 0) {
      return null;
    }
    int position = index[slot] - 1;
    int from = position * DIGEST_BYTES;
    return new Listed(Arrays.copyOfRange(digests, from, from + DIGEST_BYTES), sizes[position], sources[position]);
  }

  synchronized int size() {
    return count;
  }

  /** The index slot that holds {@code key}, or -1. */
  private int find(long key) {
    int mask = index.length - 1;
    for (int slot = home(key, mask); index[slot] != 0; slot = (slot + 1) & mask) {
      if (keys[index[slot] - 1] == key) {
        return slot;
      }
    }
    return -1;
  }

  private void insert(long key, int position) {
    int mask = index.length - 1;
    int slot = home(key, mask);
    while (index[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    index[slot] = position + 1;
  }

  /** Empties {@code slot}, moving later entries of its probe run back so that every one stays findable. */
  private void remove(int slot) {
    int mask = index.length - 1;
    int hole = slot;
    for (int j = (hole + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
      int home = home(keys[index[j] - 1], mask);
      // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
      boolean homeBetween = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!homeBetween) {
        index[hole] = index[j];
        hole = j;
      }
    }
    index[hole] = 0;
  }

  /** Doubles the ring (up to {@code capacity}); only while nothing has been evicted, so it is in order. */
  private void grow() {
    int length = (int) Math.min((long) keys.length * 2, capacity);
    long[] oldKeys = keys;
    byte[] oldDigests = digests;
    long[] oldSizes = sizes;
    int[] oldSources = sources;
    allocate(length);
    System.arraycopy(oldKeys, 0, keys, 0, count);
    System.arraycopy(oldDigests, 0, digests, 0, count * DIGEST_BYTES);
    System.arraycopy(oldSizes, 0, sizes, 0, count);
    System.arraycopy(oldSources, 0, sources, 0, count);
    for (int i = 0; i < count; i++) {
      insert(keys[i], i);
    }
    next = count;
  }

  private void allocate(int length) {
    keys = new long[length];
    digests = new byte[length * DIGEST_BYTES];
    sizes = new long[length];
    sources = new int[length];
    index = new int[Integer.highestOneBit(length) << 2]; // at most half full
  }

  private static int home(long key, int mask) {
    return (int) (key ^ (key >>> 32)) & mask;
  }

  /** The first 64 bits of the URL's SHA-256. */
  static long keyOf(String url) {
    MessageDigest sha256 = dev.potluck.protocol.Sha256.newDigest();
    byte[] d = sha256.digest(url.getBytes(StandardCharsets.UTF_8));
    long key = 0;
    for (int i = 0; i < 8; i++) {
      key = key << 8 | (d[i] & 0xff);
    }
    return key;
  }
}
