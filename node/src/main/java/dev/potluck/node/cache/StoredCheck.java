package dev.potluck.node.cache;

import dev.potluck.node.store.StoredObject;
import dev.potluck.node.trust.Expectation;
import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;

/** Re-reads a stored object and says what, if anything, is wrong with it. Blocking: run on a worker. */
final class StoredCheck {

  private StoredCheck() {}

  /**
   * Null when {@code object}'s body has the size and SHA-256 recorded with it and, when {@code authority}
   * is given, the ones the authority says; otherwise what is wrong, for a log line.
   */
  static String problem(StoredObject object, Expectation authority) {
    if (authority != null && !authority.sha256().equals(object.meta().sha256())) {
      return "its recorded SHA-256 " + object.meta().sha256() + " is not the " + authority.sha256() + " that "
          + authority.source() + " lists";
    }
    if (authority != null && authority.size() >= 0 && authority.size() != object.size()) {
      return "its recorded size " + object.size() + " is not the " + authority.size() + " that " + authority.source()
          + " lists";
    }
    MessageDigest digest = Sha256.newDigest();
    long length = 0;
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(object.data())) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
        length += n;
      }
    } catch (IOException e) {
      return "its body cannot be read: " + e.getMessage();
    }
    if (length != object.size()) {
      return "its body holds " + length + " bytes, " + object.size() + " were recorded";
    }
    Sha256 actual = Sha256.of(digest);
    if (!actual.equals(object.meta().sha256())) {
      return "its body hashes to " + actual + ", " + object.meta().sha256() + " was recorded";
    }
    return null;
  }
}
