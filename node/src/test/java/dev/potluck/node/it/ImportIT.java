package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.apt.AptPrerequisites;
import dev.potluck.node.apt.StaticFileServer;
import dev.potluck.testkit.apt.AptRepository;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --import DIR}: host A's apt archive folder (as apt leaves {@code /var/cache/apt/archives}) is
 * offered to the LAN read-only, each file only once the signed Packages index vouches for its bytes.
 * Host B takes such a .deb from A's folder as a peer, without an upstream fetch. A file with other bytes
 * than the index lists, or one no index lists, is never offered, and the status says so; a file that
 * changes after it was offered is checked again before it is served, and not served. A's files are
 * never modified. Two nodes, each its own JVM from the jar, on loopback; a signed repository built by
 * the test kit. Needs gpg and dpkg-deb (skips otherwise).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ImportIT {

  @TempDir Path work;

  private StaticFileServer origin;
  private NodeProcess a;
  private NodeProcess b;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {a, b, origin}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void importedDeb_takenByAnotherNodeAsPeer_onlyWhileTheSignedIndexVouchesForIt() throws Exception {
    AptPrerequisites.assumeMet();
    NodeProcess.jar();
    AptRepository repo = AptRepository.create(work.resolve("repo"), 3, i -> new int[] {400_000, 250_000, 90_000}[i], 21L);
    AptRepository.Package shared = repo.packages().get(0);
    AptRepository.Package altered = repo.packages().get(1);

    // Host A's apt archive folder: one good .deb, one with other bytes of the right size, one unknown,
    // and what apt keeps beside them (a lock, a partial download).
    Path archives = Files.createDirectories(work.resolve("archives"));
    Path good = Files.copy(repo.root().resolve(shared.poolPath()), archives.resolve(shared.fileName()));
    byte[] bad = Files.readAllBytes(repo.root().resolve(altered.poolPath()));
    bad[bad.length / 2] ^= 1;
    Files.write(archives.resolve(altered.fileName()), bad);
    Files.write(archives.resolve("unknown_1.0_all.deb"), new byte[5000]);
    Files.writeString(archives.resolve("lock"), "");
    Files.createDirectories(archives.resolve("partial"));
    Files.write(archives.resolve("partial").resolve(altered.fileName()), new byte[10]);
    FileTime goodTime = Files.getLastModifiedTime(good);
    byte[] goodBytes = Files.readAllBytes(good);

    origin = StaticFileServer.start(repo.root());
    Path noSources = Files.createDirectories(work.resolve("no-apt-sources"));
    int clusterA = NodeProcess.freePort();
    int clusterB = NodeProcess.freePort();
    String cluster = "import-" + Long.toHexString(System.nanoTime());
    a = NodeProcess.start(work, NodeProcess.freePort(), List.of("-Xmx192m"), nodeArgs("a", cluster, clusterA, clusterB,
        repo, noSources, "--import", archives.toString()));
    b = NodeProcess.start(work, NodeProcess.freePort(), List.of("-Xmx192m"), nodeArgs("b", cluster, clusterB, clusterA,
        repo, noSources));
    LoopbackClusterIT.awaitWholeView(2, List.of(a, b));

    JsonObject before = imports(a);
    assertEquals(0, before.getInteger("offered"), "nothing is offered before A has a verified index: " + before);
    assertEquals(3, before.getInteger("refused"), before.encode());

    // A's apt update, through A: the node verifies InRelease and the Packages index, and looks again.
    update(a);
    await(() -> imports(a).getInteger("offered") == 1, "A offers the one file the signed index vouches for");
    JsonObject status = imports(a);
    assertEquals(List.of(archives.toString()), status.getJsonArray("dirs").getList());
    assertEquals(2, status.getInteger("refused"), status.encode());
    assertEquals(new JsonObject().put("a verified package list names it with other bytes", 1)
        .put("no verified package list this node has lists it", 1), status.getJsonObject("refusedBecause"));

    update(b);
    ProxyClient.Fetched taken = b.client().get(at(shared.urlPath()));
    assertEquals(200, taken.status());
    assertEquals("peer", taken.cache(), "B takes the .deb from A's archive folder");
    assertEquals(shared.sha256(), taken.sha256());
    assertEquals(0, origin.requestCount(shared.urlPath()), "no upstream fetch of the shared package");

    ProxyClient.Fetched notShared = b.client().get(at(altered.urlPath()));
    assertEquals(altered.sha256(), notShared.sha256());
    assertEquals("miss", notShared.cache(), "A's altered copy is never offered: B fetches upstream");

    assertArrayEquals(goodBytes, Files.readAllBytes(good), "A's file is untouched");
    assertEquals(goodTime, Files.getLastModifiedTime(good));
    assertArrayEquals(bad, Files.readAllBytes(archives.resolve(altered.fileName())));

    // A's file changes behind the node's back (same size, same time): it is checked before it is served.
    byte[] changed = goodBytes.clone();
    changed[100] ^= 1;
    Files.write(good, changed);
    Files.setLastModifiedTime(good, goodTime);
    purge(b, shared.sha256());
    ProxyClient.Fetched again = b.client().get(at(shared.urlPath()));
    assertEquals(200, again.status());
    assertEquals(shared.sha256(), again.sha256(), "B never gets the changed bytes");
    assertEquals("miss", again.cache(), "A no longer serves it: B fetches upstream");
    assertEquals(1, origin.requestCount(shared.urlPath()));
    await(() -> imports(a).getInteger("offered") == 0, "A withdrew the changed file");
  }

  private String[] nodeArgs(String name, String cluster, int port, int seed, AptRepository repo, Path sources,
      String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("--cache-dir", work.resolve("cache-" + name).toString(),
        "--bind", "127.0.0.1", "--no-mdns", "--cluster-port", Integer.toString(port), "--peer-port", "0",
        "--cluster", cluster, "--seed", "127.0.0.1:" + seed, "--keyring", repo.keyring().toString(),
        "--apt-sources", sources.toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  /** What apt update fetches: the signed Release and the index it lists. */
  private void update(NodeProcess node) throws Exception {
    for (String path : List.of("/dists/stable/InRelease", "/dists/stable/main/binary-all/Packages.gz")) {
      ProxyClient.Fetched f = node.client().get(at(path));
      assertEquals(200, f.status(), path);
    }
  }

  private String at(String path) {
    return origin.url() + path.substring(1);
  }

  private JsonObject imports(NodeProcess node) {
    try {
      return node.status().getJsonObject("trust").getJsonObject("imports");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void purge(NodeProcess node, String key) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.port() + "/api/v1/objects/" + key)).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not within 60 s: " + what);
      Thread.sleep(200);
    }
  }
}
