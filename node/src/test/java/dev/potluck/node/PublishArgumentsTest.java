package dev.potluck.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@code publish} and {@code unpublish} fail on bad arguments, before asking any node. */
class PublishArgumentsTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @TempDir Path dir;

  @Test
  void missingFile_exit2() {
    Path missing = dir.resolve("nope.bin");
    assertEquals(2, run("publish", missing.toString()));
    assertEquals("potluck: " + missing + ": no such file\n", err.toString());
    assertEquals("", out.toString());
  }

  @Test
  void folder_exit2() {
    assertEquals(2, run("publish", dir.toString()));
    assertEquals("potluck: " + dir + " is a folder: publish one file at a time\n", err.toString());
  }

  @Test
  void unreadableFile_exit2() throws Exception {
    Path file;
    if ("root".equals(System.getProperty("user.name"))) {
      // Permissions do not stop root; this file refuses every reader.
      file = Path.of("/proc/self/mem");
    } else {
      file = Files.writeString(dir.resolve("secret.bin"), "x");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
    }
    assertEquals(2, run("publish", file.toString()));
    assertTrue(err.toString().startsWith("potluck: cannot read " + file + ": "), err.toString());
  }

  @Test
  void badDuration_exit2_namesTheOption() throws Exception {
    Path file = Files.writeString(dir.resolve("f.bin"), "x");
    assertEquals(2, run("publish", "--max-age", "soon", file.toString()));
    assertEquals("potluck: --max-age: not a duration: 'soon' (examples: 300s, 5m, 2h)\n", err.toString());
  }

  @Test
  void zeroDuration_exit2() throws Exception {
    Path file = Files.writeString(dir.resolve("f.bin"), "x");
    assertEquals(2, run("publish", "--max-age", "0s", file.toString()));
    assertEquals("potluck: --max-age: must be at least 1s, not '0s'\n", err.toString());
  }

  @Test
  void negativeShareCount_exit2() throws Exception {
    Path file = Files.writeString(dir.resolve("f.bin"), "x");
    assertEquals(2, run("publish", "--max-shares", "-1", file.toString()));
    assertEquals("potluck: --max-shares: must be 0 (no limit) or more, not -1\n", err.toString());
  }

  @Test
  void shareCountNotANumber_exit2_withUsage() throws Exception {
    Path file = Files.writeString(dir.resolve("f.bin"), "x");
    assertEquals(2, run("publish", "--max-shares", "many", file.toString()));
    assertTrue(err.toString().startsWith("Invalid value for option '--max-shares': 'many' is not an int"), err.toString());
  }

  @Test
  void noNode_exit1_saysSo() throws Exception {
    Path file = Files.writeString(dir.resolve("f.bin"), "x");
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    assertEquals(1, run("publish", "--node", "http://127.0.0.1:" + port, file.toString()));
    assertTrue(err.toString().startsWith("potluck publish: no Potluck node answers at http://127.0.0.1:" + port),
        err.toString());
  }

  @Test
  void unpublish_neitherFileNorDigest_exit2() {
    assertEquals(2, run("unpublish", "abc123"));
    assertEquals("potluck: 'abc123' is neither a file nor a SHA-256 (64 hex digits)\n", err.toString());
  }

  @Test
  void unpublish_folder_exit2() {
    assertEquals(2, run("unpublish", dir.toString()));
    assertEquals("potluck: " + dir + " is a folder: name one published file, or its SHA-256\n", err.toString());
  }

  @Test
  void unpublish_file_namesItsDigest() throws Exception {
    Path file = Files.writeString(dir.resolve("f.bin"), "test");
    assertEquals("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        dev.potluck.node.cli.UnpublishCommandAccess.digestOf(file.toString()));
    assertEquals("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        dev.potluck.node.cli.UnpublishCommandAccess.digestOf("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"));
  }

  private int run(String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }
}
