package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache folder on a disk that fills up: the client gets an error, nothing half-written is kept, and
 * the node goes on serving. Uses a small tmpfs, so it needs root (CI runs as root).
 */
class DiskFullIT {

  private static final long MB = 1L << 20;

  @TempDir Path work;
  private Path disk;
  private OriginServer origin;

  @BeforeEach
  void mountSmallDisk() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "needs root to mount a small tmpfs as a full disk; running as " + System.getProperty("user.name"));
    disk = Files.createDirectories(work.resolve("disk"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m", "potluck-test", disk.toString())
        .redirectErrorStream(true).start();
    assumeTrue(mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0,
        "cannot mount a tmpfs here: " + new String(mount.getInputStream().readAllBytes()));
    origin = OriginServer.start();
  }

  @AfterEach
  void unmount() throws Exception {
    if (origin != null) {
      origin.close();
    }
    if (disk != null) {
      Process umount = new ProcessBuilder("umount", disk.toString()).inheritIO().start();
      if (!umount.waitFor(30, TimeUnit.SECONDS) || umount.exitValue() != 0) {
        // Never leave a mount behind, even if something still holds a file on it.
        new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void diskFullMidObject_clientErrorNothingKeptNodeStillServes() throws Exception {
    origin.route("/pool/too-big.deb", OriginServer.body(20 * MB, 31));
    origin.route("/pool/small.deb", OriginServer.body(MB, 32));
    // The quota says 1 GiB, the disk holds 8 MiB: a misconfigured node must still fail safe.
    try (InProcessNode node = InProcessNode.start(InProcessNode.config(disk.resolve("cache"), 1L << 30,
        Duration.ofMinutes(5), Duration.ofSeconds(10), List.of()))) {
      assertThrows(IOException.class, () -> node.client().get(origin.url("/pool/too-big.deb")),
          "a body the node could not store must reach the client as an error");
      node.awaitIdle();
      assertEquals(0, node.node.store().stats().objects());
      try (var partials = Files.list(disk.resolve("cache").resolve("partial"))) {
        assertEquals(0, partials.count(), "the failed partial file is deleted, freeing the disk");
      }
      ProxyClient.Fetched small = node.client().get(origin.url("/pool/small.deb"));
      assertEquals(200, small.status());
      assertEquals(origin.sha256("/pool/small.deb"), small.sha256());
    }
  }
}
