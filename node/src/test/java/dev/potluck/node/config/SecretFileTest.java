package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class SecretFileTest {

  private static final String SECRET = "correct horse battery staple";

  @TempDir Path dir;

  private final Logger logger = (Logger) LoggerFactory.getLogger(SecretFile.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void captureLog() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    logger.detachAppender(logged);
  }

  @Test
  void read_trailingWhitespaceAndNewlinesStripped() throws IOException {
    Path file = write(SECRET + " \t\r\n\n", "rw-------");

    assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), SecretFile.read(file));
  }

  @Test
  void read_leadingAndInnerWhitespaceKept() throws IOException {
    Path file = write("  two words of secret text\n", "rw-------");

    assertEquals("  two words of secret text", new String(SecretFile.read(file), StandardCharsets.UTF_8));
  }

  @Test
  void read_binaryContentKept() throws IOException {
    byte[] secret = new byte[32];
    for (int i = 0; i < secret.length; i++) {
      secret[i] = (byte) (i * 37 + 1);
    }
    Path file = dir.resolve("secret.bin");
    Files.write(file, secret);

    assertArrayEquals(secret, SecretFile.read(file));
  }

  @Test
  void read_missingFileNamed() {
    Path file = dir.resolve("nope");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecretFile.read(file));
    assertEquals("secret file not found: " + file, e.getMessage());
  }

  @Test
  void read_unreadableNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecretFile.read(dir));
    assertTrue(e.getMessage().startsWith("cannot read secret file " + dir + ": "), e.getMessage());
  }

  @Test
  void read_tooShortAfterStrippingSaysHowLong() throws IOException {
    Path file = write("fifteen bytes!!\n\n", "rw-------");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecretFile.read(file));
    assertEquals("secret file " + file + " holds 15 bytes (trailing whitespace removed); a cluster secret needs"
        + " at least 16", e.getMessage());
  }

  @Test
  void read_emptyFile() throws IOException {
    Path file = write("", "rw-------");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecretFile.read(file));
    assertTrue(e.getMessage().contains("holds 0 bytes"), e.getMessage());
  }

  @Test
  void read_largeFileRefused() throws IOException {
    Path file = write("x".repeat(SecretFile.MAX_BYTES + 1), "rw-------");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecretFile.read(file));
    assertEquals("secret file " + file + " is larger than 4096 bytes", e.getMessage());
  }

  @Test
  void read_ownerOnlyFileReadSilently() throws IOException {
    Path file = write(SECRET, "rw-------");

    SecretFile.read(file);

    assertEquals(0, logged.list.size(), logged.list.toString());
  }

  @Test
  void read_fileOthersCanReadAcceptedWithAWarning() throws IOException {
    Path file = write(SECRET, "rw-r--r--");

    assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), SecretFile.read(file));

    assertEquals(1, logged.list.size(), logged.list.toString());
    assertEquals("WARN", logged.list.get(0).getLevel().toString());
    assertTrue(logged.list.get(0).getFormattedMessage().contains(file.toString()), logged.list.get(0).getFormattedMessage());
  }

  @Test
  void readableByOthers_groupOrOthersRead() throws IOException {
    assertFalse(SecretFile.readableByOthers(write(SECRET, "rw-------")));
    assertTrue(SecretFile.readableByOthers(write(SECRET, "rw-r-----")));
    assertTrue(SecretFile.readableByOthers(write(SECRET, "rw----r--")));
    assertFalse(SecretFile.readableByOthers(write(SECRET, "rw--w--w-")));
  }

  private Path write(String content, String permissions) throws IOException {
    Path file = Files.createTempFile(dir, "secret", "");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    assumeTrue(posix || permissions.equals("rw-------"), "no POSIX permissions");
    if (posix) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    }
    return file;
  }
}
