package dev.potluck.node.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the cluster secret from a file: its bytes, less trailing whitespace, so that a secret written
 * with {@code echo} or an editor's final newline is the same secret as one written without.
 */
public final class SecretFile {

  /** A secret is a line of text or a few random bytes; anything longer is the wrong file. */
  static final int MAX_BYTES = 4096;

  private static final Logger log = LoggerFactory.getLogger(SecretFile.class);

  private SecretFile() {}

  /**
   * The secret in {@code file}. Warns, but accepts, when the file's POSIX permissions let its group or
   * other users read it.
   *
   * @throws IllegalArgumentException naming the file when it cannot be read, is larger than
   *     {@value #MAX_BYTES} bytes, or holds fewer than {@value SwarmConfig#MIN_SECRET_BYTES} bytes
   */
  public static byte[] read(Path file) {
    byte[] content;
    try (InputStream in = Files.newInputStream(file)) {
      content = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("secret file not found: " + file);
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException("cannot read secret file " + file + ": permission denied");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read secret file " + file + ": " + e.getMessage());
    }
    try {
      if (content.length > MAX_BYTES) {
        throw new IllegalArgumentException("secret file " + file + " is larger than " + MAX_BYTES + " bytes");
      }
      int end = content.length;
      while (end > 0 && isWhitespace(content[end - 1])) {
        end--;
      }
      if (end < SwarmConfig.MIN_SECRET_BYTES) {
        throw new IllegalArgumentException("secret file " + file + " holds " + end + " bytes (trailing whitespace"
            + " removed); a cluster secret needs at least " + SwarmConfig.MIN_SECRET_BYTES);
      }
      if (readableByOthers(file)) {
        log.warn("secret file {} can be read by users other than its owner; chmod 600 it", file);
      }
      return Arrays.copyOf(content, end);
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  /**
   * Whether the file's group or other users may read it; false when the file system has no POSIX
   * permissions or they cannot be read.
   */
  public static boolean readableByOthers(Path file) {
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException | IOException e) {
      return false;
    }
    return permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ);
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == 0x0b;
  }
}
