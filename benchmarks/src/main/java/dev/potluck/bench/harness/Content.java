package dev.potluck.bench.harness;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Generated object bodies: incompressible, different for every seed, and produced at memory speed
 * without holding an object in memory.
 *
 * <p>A body is a sequence of {@link #CHUNK}-byte slices of one fixed pool of random bytes, the offset of
 * each slice derived from the seed and the chunk index. Each slice is random data (nothing a stream
 * compressor can shrink) and no two objects share a byte sequence in practice; only a deduplicator with
 * a window over the whole pool could find repeats, and nothing on the path deduplicates.
 */
public final class Content {

  /** Bytes per slice; also the write size of the origin server. */
  public static final int CHUNK = 64 * 1024;
  private static final int POOL_SIZE = 16 << 20;
  private static final byte[] POOL = pool();

  private Content() {}

  /** Receives a body slice by slice; the array must not be modified. */
  @FunctionalInterface
  public interface SliceSink {
    void accept(byte[] bytes, int offset, int length) throws IOException;
  }

  /** The seed of the object served at {@code path} (FNV-1a over its UTF-8 bytes). */
  public static long seedOf(String path) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  /** Produces the {@code size}-byte body of object {@code seed}, in order. */
  public static void generate(long seed, long size, SliceSink sink) throws IOException {
    long chunkIndex = 0;
    for (long sent = 0; sent < size; sent += CHUNK, chunkIndex++) {
      int length = (int) Math.min(CHUNK, size - sent);
      sink.accept(POOL, offset(seed, chunkIndex), length);
    }
  }

  /** Writes the body to {@code out} (not closed). */
  public static void write(long seed, long size, OutputStream out) throws IOException {
    generate(seed, size, out::write);
  }

  private static int offset(long seed, long chunkIndex) {
    long z = seed + (chunkIndex + 1) * 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    z ^= z >>> 31;
    return (int) Long.remainderUnsigned(z, POOL_SIZE - CHUNK + 1);
  }

  private static byte[] pool() {
    byte[] bytes = new byte[POOL_SIZE];
    new Random(0x9071_0c4bL).nextBytes(bytes);
    return bytes;
  }
}
