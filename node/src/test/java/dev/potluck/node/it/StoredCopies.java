package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.testkit.apt.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/**
 * A node's stored copies, read and altered on disk the way bit rot or a compromised host would, for
 * the trust tests. A verified object is stored under its SHA-256 ({@code objects/<2 hex>/<sha256>}),
 * with a {@code .json} sidecar that records the digest.
 */
final class StoredCopies {

  private StoredCopies() {}

  /**
   * Overwrites the stored body of the object whose SHA-256 is {@code key} in the node cache at
   * {@code cache} with other bytes of the same length and rewrites the SHA-256 in its sidecar to match;
   * returns the new digest.
   */
  static String alter(Path cache, String key, long size) throws Exception {
    Path body = bodyOf(cache, key);
    Path sidecar = body.resolveSibling(body.getFileName() + ".json");
    String oldSha = Sha256.of(body);
    byte[] bytes = new byte[(int) size];
    new Random(99).nextBytes(bytes);
    Files.write(body, bytes);
    String newSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    String meta = Files.readString(sidecar);
    assertTrue(meta.contains(oldSha), "the sidecar records the digest: " + meta);
    Files.writeString(sidecar, meta.replace(oldSha, newSha));
    return newSha;
  }

  static Path bodyOf(Path cache, String key) {
    return cache.resolve("objects").resolve(key.substring(0, 2)).resolve(key);
  }

  static boolean stored(Path cache, String key) {
    return Files.exists(bodyOf(cache, key));
  }

  /** The SHA-256 of the stored body of {@code key}, or null when there is none. */
  static String storedSha(Path cache, String key) throws Exception {
    Path body = bodyOf(cache, key);
    return Files.exists(body) ? Sha256.of(body) : null;
  }
}
