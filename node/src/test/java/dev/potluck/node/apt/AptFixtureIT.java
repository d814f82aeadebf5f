package dev.potluck.node.apt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.testkit.apt.AptGet;
import dev.potluck.testkit.apt.AptRepository;
import dev.potluck.testkit.apt.AptRepository.Package;
import dev.potluck.testkit.apt.Sha256;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the apt fixtures work on their own, with no Potluck code: real apt-get against a real
 * signed repository, and the clean-check able to fail. If this fails, Potluck's apt tests mean
 * nothing.
 */
class AptFixtureIT {

  // About 100 KB, 1 MB and 3 MB: small, medium and large enough to span many TCP windows.
  private static final int[] PAYLOAD_SIZES = {100 * 1024, 1024 * 1024, 3 * 1024 * 1024};

  @TempDir Path tmp;

  private AptRepository repository;

  @BeforeAll
  static void needsAptAndRoot() {
    AptPrerequisites.assumeMet();
  }

  @BeforeEach
  void buildRepository() throws IOException {
    repository = AptRepository.create(tmp.resolve("repo"), 3, i -> PAYLOAD_SIZES[i], 42L);
  }

  @Test
  void repositoryHasTheAdvertisedLayout() throws IOException {
    Path root = repository.root();
    for (String file : List.of("dists/stable/Release", "dists/stable/InRelease",
        "dists/stable/Release.gpg", "dists/stable/main/binary-all/Packages",
        "dists/stable/main/binary-all/Packages.gz", "keyring.gpg")) {
      assertTrue(Files.isRegularFile(root.resolve(file)), "missing " + file);
    }
    assertEquals(List.of("potluck-test-0", "potluck-test-1", "potluck-test-2"),
        repository.packageNames());
    for (int i = 0; i < PAYLOAD_SIZES.length; i++) {
      Package pkg = repository.packages().get(i);
      Path deb = root.resolve(pkg.poolPath());
      assertEquals("pool/main/potluck-test-" + i + "_1.0_all.deb", pkg.poolPath());
      assertEquals(Files.size(deb), pkg.size());
      assertEquals(Sha256.of(deb), pkg.sha256());
      // Random payload does not compress: the .deb is at least as big as what it carries.
      assertTrue(pkg.size() >= PAYLOAD_SIZES[i], pkg + " smaller than its payload");
    }
    String index = Files.readString(root.resolve("dists/stable/main/binary-all/Packages"));
    assertTrue(index.contains("SHA256: " + repository.packages().get(0).sha256()), index);
  }

  @Test
  void sameSeedGivesIdenticalPackages() throws IOException {
    AptRepository again = AptRepository.create(tmp.resolve("again"), 3, i -> PAYLOAD_SIZES[i], 42L);
    assertEquals(repository.packages(), again.packages());
  }

  @Test
  void aptUpdatesAndDownloadsEveryPackageIntact() throws IOException {
    try (StaticFileServer mirror = StaticFileServer.start(repository.root())) {
      AptGet apt =
          AptGet.create(tmp.resolve("client"), repository.sourcesLine(mirror.url()), null);

      apt.update().assertClean();
      apt.download(repository.packageNames()).assertClean();

      assertDownloadedIntact(apt.downloadDir());
      assertEquals(1, mirror.requestCount("/dists/stable/InRelease"), mirror.requests()::toString);
      for (Package pkg : repository.packages()) {
        assertEquals(1, mirror.requestCount(pkg.urlPath()), mirror.requests()::toString);
      }
    }
  }

  @Test
  void installDownloadOnlyFillsTheArchiveCache() throws IOException {
    try (StaticFileServer mirror = StaticFileServer.start(repository.root())) {
      AptGet apt =
          AptGet.create(tmp.resolve("client"), repository.sourcesLine(mirror.url()), null);

      apt.update().assertClean();
      apt.installDownloadOnly(repository.packageNames()).assertClean();

      assertDownloadedIntact(apt.archivesDir());
    }
  }

  @Test
  void tamperedPackageMakesTheRunUnclean() throws IOException {
    try (StaticFileServer mirror = StaticFileServer.start(repository.root())) {
      AptGet apt =
          AptGet.create(tmp.resolve("client"), repository.sourcesLine(mirror.url()), null);
      apt.update().assertClean();
      Package victim = repository.packages().get(1);
      // Same size, one byte different: only the hash check can notice.
      flipByte(repository.root().resolve(victim.poolPath()), victim.size() / 2);

      AptGet.Result result = apt.download(List.of(victim.name()));

      assertFalse(result.isClean(), result::output);
      assertTrue(
          result.problems().stream().anyMatch(p -> p.contains("Hash Sum mismatch")),
          () -> "expected a hash mismatch among " + result.problems());
      AssertionError error = assertThrows(AssertionError.class, result::assertClean);
      assertTrue(error.getMessage().contains(result.output()), "message must carry apt's output");
      assertFalse(Files.exists(apt.downloadDir().resolve(victim.fileName())));
    }
  }

  @Test
  void missingInReleaseMakesTheRunUnclean() throws IOException {
    // apt then falls back to Release + Release.gpg, prints only "Ign:" and exits 0.
    Files.delete(repository.root().resolve("dists/stable/InRelease"));
    try (StaticFileServer mirror = StaticFileServer.start(repository.root())) {
      AptGet apt =
          AptGet.create(tmp.resolve("client"), repository.sourcesLine(mirror.url()), null);

      AptGet.Result result = apt.update();

      assertEquals(0, result.exitCode(), result::output);
      assertFalse(result.isClean(), result::output);
    }
  }

  @Test
  void wrongKeyMakesTheRunUnclean() throws IOException {
    AptRepository other = AptRepository.create(tmp.resolve("other"), 1, i -> 10, 7L);
    try (StaticFileServer mirror = StaticFileServer.start(repository.root())) {
      String line =
          repository.sourcesLine(mirror.url())
              .replace(repository.keyring().toString(), other.keyring().toString());
      AptGet apt = AptGet.create(tmp.resolve("client"), line, null);

      AptGet.Result result = apt.update();

      assertTrue(
          result.problems().stream().anyMatch(p -> p.contains("NO_PUBKEY")),
          () -> "expected NO_PUBKEY among " + result.problems());
    }
  }

  @Test
  void proxySettingSendsAllTrafficThroughTheProxy() throws IOException {
    // The mirror's host name cannot resolve (.invalid), so apt can only succeed via the proxy;
    // the file server answers proxy-style requests by path, standing in for one.
    try (StaticFileServer proxy = StaticFileServer.start(repository.root())) {
      String line = repository.sourcesLine("http://mirror.potluck.invalid/");
      AptGet apt = AptGet.create(tmp.resolve("client"), line, proxy.url());

      apt.update().assertClean();
      apt.download(repository.packageNames()).assertClean();

      assertDownloadedIntact(apt.downloadDir());
      assertEquals(1, proxy.requestCount("/dists/stable/InRelease"), proxy.requests()::toString);
    }
  }

  @Test
  void hungMirrorIsKilledAtTheDeadline() throws IOException {
    // Bound but never accepting: the kernel completes the handshake, then nothing ever answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String url = "http://127.0.0.1:" + silent.getLocalPort() + "/";
      AptGet apt = AptGet.create(tmp.resolve("client"), repository.sourcesLine(url), null)
          .timeout(Duration.ofSeconds(3));

      long start = System.nanoTime();
      AptGet.Result result = apt.update();
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertTrue(result.timedOut(), result::output);
      assertTrue(result.problems().contains("timed out and was killed"), result::toString);
      assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "took " + took);
    }
  }

  @Test
  void hostAptConfigurationStaysOut() throws IOException {
    AptGet apt = AptGet.create(tmp.resolve("client"), repository.sourcesLine("http://x/"), null);

    String dump = apt.configDump().assertClean().output();

    // Hooks would run host programs; these keys come only from files in /etc/apt/apt.conf.d.
    assertFalse(dump.contains("Post-Invoke"), dump);
    assertFalse(dump.contains("Pre-Invoke"), dump);
    // No setting may point at the host's config or state, as a value like "/var/lib/apt/" would.
    assertFalse(Pattern.compile("\"/?(etc|var)/").matcher(dump).find(), dump);
    assertTrue(dump.contains("Dir::Etc::parts \"" + tmp.resolve("client/etc/apt.conf.d")), dump);
  }

  private void assertDownloadedIntact(Path dir) throws IOException {
    for (Package pkg : repository.packages()) {
      Path file = dir.resolve(pkg.fileName());
      assertTrue(Files.isRegularFile(file), "apt did not save " + file);
      assertEquals(pkg.size(), Files.size(file), pkg.name());
      assertEquals(pkg.sha256(), Sha256.of(file), pkg.name());
    }
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int original = raf.read();
      raf.seek(offset);
      raf.write(original ^ 0xFF);
    }
  }
}
