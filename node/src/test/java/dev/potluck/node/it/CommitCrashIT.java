package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.store.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with SIGKILL between a commit's renames and the fsync of their folder, on a real disk
 * (the test's folder, not tmpfs), starts again consistent: the object is whole and served as a hit, or
 * gone and fetched again, never half there; nothing is left in {@code partial/}; an object committed
 * before is untouched.
 */
class CommitCrashIT {

  @TempDir Path work;

  @Test
  void killedBetweenRenameAndDirectorySync_startsConsistent() throws Exception {
    Path cache = work.resolve("cache");
    Path marker = work.resolve("paused");
    try (OriginServer origin = OriginServer.start()) {
      origin.route("/pool/before_1.0_all.deb", OriginServer.body(300_000, 3));
      origin.route("/pool/crash_1.0_all.deb", OriginServer.body(2_000_000, 4));
      String before = origin.url("/pool/before_1.0_all.deb");
      String crash = origin.url("/pool/crash_1.0_all.deb");
      int port = NodeProcess.freePort();
      try (NodeProcess node = NodeProcess.start(work, port, List.of(), "--cache-dir", cache.toString())) {
        assertEquals(200, node.client().get(before).status());
        SlowClientsIT.awaitIdle(node);
      }
      try (NodeProcess node = NodeProcess.start(work, port,
          List.of("-D" + FileStore.PAUSE_BEFORE_DIRECTORY_SYNC + "=" + marker), "--cache-dir", cache.toString())) {
        ProxyClient.Fetched fetched = node.client().get(crash);
        assertEquals(200, fetched.status());
        assertEquals(origin.sha256("/pool/crash_1.0_all.deb"), fetched.sha256());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Files.exists(marker)) {
          assertTrue(System.nanoTime() < deadline, "the commit never reached its folder's fsync");
          Thread.sleep(20);
        }
        long pid = node.pid();
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid)).start();
        assertEquals(0, kill.waitFor());
        node.kill(); // reaps it
        assertFalse(node.isAlive());
      }
      try (NodeProcess node = NodeProcess.start(work, port, List.of(), "--cache-dir", cache.toString())) {
        assertEquals(List.of(), filesIn(cache.resolve("partial")), "start-up leaves no partial file");
        ProxyClient.Fetched again = node.client().get(crash);
        assertEquals(200, again.status());
        assertEquals(origin.sha256("/pool/crash_1.0_all.deb"), again.sha256());
        ProxyClient.Fetched untouched = node.client().get(before);
        assertEquals("hit", untouched.cache());
        assertEquals(origin.sha256("/pool/before_1.0_all.deb"), untouched.sha256());
        // The renames were done when the process died (the kernel keeps them; only a power cut could lose
        // them without the fsync): the object is whole and served from the cache.
        System.out.printf("commit crash: after kill -9 between rename and folder sync, the object came back as a %s%n",
            again.cache());
        assertEquals("hit", again.cache());
        assertEquals(1, origin.count("GET", "/pool/crash_1.0_all.deb"));
        SlowClientsIT.awaitIdle(node);
        assertEquals(2, node.status().getJsonObject("store").getInteger("objects"));
      }
    }
  }

  private static List<Path> filesIn(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }
}
