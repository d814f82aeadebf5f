package dev.potluck.node.trust.pacman;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.Expectation;
import dev.potluck.node.trust.apt.Gpg;
import dev.potluck.node.trust.apt.TrustedKeys;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain repository database (+ .sig) → packages, over databases written by the real repo-add. */
class PacmanAuthorityTest {

  private static final String FOLDER = "https://arch.example/core/os/x86_64/";
  private static final Instant NOW = Instant.parse("2026-12-03T09:00:00Z");

  @TempDir static Path work;
  private static List<Path> packages;
  private static Gpg gpg;
  private static String signer;
  private static TrustedKeys keys;

  @TempDir Path dir;

  @BeforeAll
  static void build() throws IOException {
    packages = PacmanRepository.buildPackages(work.resolve("pkgs"), PacmanRepository.SPECS, 1);
    gpg = Gpg.start();
    signer = gpg.generate("Repository <repo@example.org>", "ed25519", "sign", "never");
    Path keyring = work.resolve("repo.gpg");
    Files.write(keyring, gpg.export(false, signer));
    keys = TrustedKeys.load(List.of(keyring));
  }

  @AfterAll
  static void stop() throws IOException {
    if (gpg != null) {
      gpg.close();
    }
  }

  @Test
  void unsignedDatabase_vouchesForEveryPackageWithItsSize() throws IOException {
    Path repo = repository("core.db.tar.gz", false);
    PacmanAuthority authority = new PacmanAuthority(keys, () -> NOW);
    observe(authority, FOLDER + "core.db", repo.resolve("core.db"));

    assertEquals(List.of(), authority.problems());
    assertEquals(3, authority.listedPackages());
    for (Path pkg : packages) {
      Expectation e = authority.lookup(url(FOLDER + pkg.getFileName()));
      assertEquals(Sha256.of(Files.readAllBytes(pkg)), e.sha256(), pkg.toString());
      assertEquals(Files.size(pkg), e.size(), pkg.toString());
      assertEquals(Authority.FETCHED_METADATA, e.authority(), "unsigned: vouched for by this node's own fetch");
      assertTrue(e.source().contains("unsigned"), e.source());
    }
    assertEquals(Files.size(packages.get(0)), authority.lookup(url(FOLDER + "alpha-1%3A1.0-1-any.pkg.tar.zst")).size(),
        "the epoch's colon escaped or not");
    assertNull(authority.lookup(url(FOLDER + packages.get(0).getFileName() + ".sig")),
        "no %PGPSIG% in the database (no .sig next to the packages): their signatures are not vouched for");
    assertNull(authority.lookup(url("https://arch.example/extra/os/x86_64/" + packages.get(0).getFileName())),
        "another folder");
    assertNull(authority.lookup(url(FOLDER + "core.db")), "mutable metadata is never vouched for");
  }

  @Test
  void judgeFile_aPackageInPacmansCache_byItsBytes() throws IOException {
    Path repo = repository("core.db.tar.gz", true);
    PacmanAuthority authority = new PacmanAuthority(keys, () -> NOW);
    observe(authority, FOLDER + "core.db.sig", repo.resolve("core.db.sig"));
    observe(authority, FOLDER + "core.db", repo.resolve("core.db"));

    Path pkg = packages.get(0);
    byte[] bytes = Files.readAllBytes(pkg);
    String name = pkg.getFileName().toString();
    assertTrue(authority.judgeFile(name, Sha256.of(bytes), bytes.length).vouched());
    assertEquals(false, authority.judgeFile(name, Sha256.of("other"), bytes.length).vouched(), "listed with other bytes");
    assertNull(authority.judgeFile("unknown-1-1-any.pkg.tar.zst", Sha256.of("other"), 5));
  }

  @Test
  void packageSignatures_inTheDatabase_vouchForEachPackagesSigFile() throws IOException {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    for (Path p : packages) {
      Path copy = repo.resolve(p.getFileName());
      Files.copy(p, copy);
      // repo-add puts a package's .sig into its desc as %PGPSIG% when it finds one next to it.
      Files.write(repo.resolve(p.getFileName() + ".sig"), gpg.detachSign(Files.readAllBytes(p), false, "SHA256", signer));
    }
    PacmanRepository.repoAdd(repo, "core.db.tar.gz",
        packages.stream().map(p -> repo.resolve(p.getFileName())).toList(), null, null);
    PacmanAuthority authority = new PacmanAuthority(keys, () -> NOW);
    observe(authority, FOLDER + "core.db", repo.resolve("core.db"));

    for (Path pkg : packages) {
      Path sig = repo.resolve(pkg.getFileName() + ".sig");
      Expectation e = authority.lookup(url(FOLDER + sig.getFileName()));
      assertEquals(Sha256.of(Files.readAllBytes(sig)), e.sha256(), sig.toString());
      assertEquals(Files.size(sig), e.size(), sig.toString());
      assertEquals(Authority.FETCHED_METADATA, e.authority());
    }
    assertEquals(6, authority.listedPackages(), "three packages and their three signatures");
  }

  @Test
  void signedZstdDatabase_underBothNames_vouchesOnce() throws IOException {
    Path repo = repository("core.db.tar.zst", true);
    PacmanAuthority authority = new PacmanAuthority(keys, () -> NOW);
    observe(authority, FOLDER + "core.db.sig", repo.resolve("core.db.sig"));
    assertNull(authority.lookup(url(FOLDER + packages.get(1).getFileName())), "a signature alone vouches for nothing");
    observe(authority, FOLDER + "core.db", repo.resolve("core.db"));
    observe(authority, FOLDER + "core.db.tar.zst", repo.resolve("core.db.tar.zst"));
    assertEquals(List.of(), authority.problems());
    assertEquals(3, authority.listedPackages());
    Expectation e = authority.lookup(url(FOLDER + packages.get(1).getFileName()));
    assertEquals(Files.size(packages.get(1)), e.size());
    assertTrue(e.source().contains("signed by key " + signer.substring(signer.length() - 16)), e.source());
    assertEquals(Authority.SIGNED_METADATA, e.authority());
  }

  @Test
  void xzDatabase_isToldByItsFirstBytes() throws IOException {
    Path repo = repository("core.db.tar.xz", false);
    PacmanAuthority authority = new PacmanAuthority(keys, () -> NOW);
    observe(authority, FOLDER + "core.db", repo.resolve("core.db"));
    assertEquals(3, authority.listedPackages(), authority.problems().toString());
  }

  @Test
  void tamperedDatabase_withTheRealSignature_vouchesForNothing_andSaysWhy() throws IOException {
    Path repo = repository("core.db.tar.gz", true);
    // Another database, made by repo-add too, that lists only the first package.
    Path other = dir.resolve("other");
    Files.createDirectories(other);
    PacmanRepository.repoAdd(other, "core.db.tar.gz", packages.subList(0, 1), null, null);
    PacmanAuthority authority = new PacmanAuthority(keys, () -> NOW);
    observe(authority, FOLDER + "core.db.sig", repo.resolve("core.db.sig"));
    observe(authority, FOLDER + "core.db", other.resolve("core.db"));
    assertNull(authority.lookup(url(FOLDER + packages.get(0).getFileName())));
    assertEquals(0, authority.listedPackages());
    assertEquals(1, authority.problems().size());
    assertTrue(authority.problems().get(0).contains("BAD signature"), authority.problems().toString());
    assertTrue(authority.problems().get(0).contains(FOLDER + "core.db"), authority.problems().toString());
  }

  @Test
  void flippedByte_inASignedDatabase_vouchesForNothing() throws IOException {
    Path repo = repository("core.db.tar.gz", true);
    byte[] db = Files.readAllBytes(repo.resolve("core.db"));
    byte[] altered = Arrays.copyOf(db, db.length);
    altered[altered.length / 2] ^= 1;
    PacmanAuthority authority = new PacmanAuthority(keys, () -> NOW);
    observe(authority, FOLDER + "core.db", write("core.db", altered));
    observe(authority, FOLDER + "core.db.sig", repo.resolve("core.db.sig"));
    assertEquals(0, authority.listedPackages());
    assertTrue(authority.problems().get(0).contains("BAD signature"), authority.problems().toString());
  }

  @Test
  void unknownKey_vouchesForNothing_andSaysWhy() throws IOException {
    Path repo = repository("core.db.tar.zst", true);
    PacmanAuthority authority = new PacmanAuthority(TrustedKeys.load(List.of()), () -> NOW);
    observe(authority, FOLDER + "core.db.sig", repo.resolve("core.db.sig"));
    observe(authority, FOLDER + "core.db", repo.resolve("core.db"));
    assertNull(authority.lookup(url(FOLDER + packages.get(0).getFileName())));
    assertTrue(authority.problems().get(0).contains("unknown key"), authority.problems().toString());
  }

  @Test
  void badSignatureArrivingLate_withdrawsWhatTheDatabaseVouchedFor() throws IOException {
    Path repo = repository("core.db.tar.gz", false);
    PacmanAuthority authority = new PacmanAuthority(keys, () -> NOW);
    observe(authority, FOLDER + "core.db", repo.resolve("core.db"));
    assertEquals(3, authority.listedPackages());
    byte[] forged = gpg.detachSign("another database".getBytes(UTF_8), false, "SHA256", signer);
    observe(authority, FOLDER + "core.db.sig", write("core.db.sig", forged));
    assertEquals(0, authority.listedPackages());
    assertNull(authority.lookup(url(FOLDER + packages.get(0).getFileName())));
    assertTrue(authority.problems().get(0).contains("BAD signature"), authority.problems().toString());
  }

  @Test
  void malformedDatabase_isAProblem_neverAnException() throws IOException {
    PacmanAuthority authority = new PacmanAuthority(keys, () -> NOW);
    observe(authority, FOLDER + "core.db", write("core.db", "<html>404 Not Found</html>".getBytes(UTF_8)));
    assertTrue(authority.problems().get(0).contains("not a pacman database"), authority.problems().toString());

    Path repo = repository("core.db.tar.gz", false);
    byte[] db = Files.readAllBytes(repo.resolve("core.db"));
    observe(authority, "https://arch.example/extra/os/x86_64/extra.db", write("extra.db", Arrays.copyOf(db, db.length / 2)));
    assertEquals(2, authority.problems().size(), authority.problems().toString());
    assertTrue(authority.problems().stream().anyMatch(p -> p.contains("extra.db") && p.contains("gzip")),
        authority.problems().toString());
    assertEquals(0, authority.listedPackages());
  }

  /** A folder with the packages and a database written by repo-add (signed by {@link #signer} if asked). */
  private Path repository(String dbFile, boolean signed) throws IOException {
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo);
    for (Path p : packages) {
      Files.copy(p, repo.resolve(p.getFileName()));
    }
    List<Path> copies = packages.stream().map(p -> repo.resolve(p.getFileName())).toList();
    PacmanRepository.repoAdd(repo, dbFile, copies, signed ? gpg.home() : null, signed ? signer : null);
    assertTrue(Files.isSymbolicLink(repo.resolve("core.db")), "repo-add links core.db to " + dbFile);
    return repo;
  }

  private static void observe(PacmanAuthority authority, String url, Path file) throws IOException {
    authority.observe(url(url), file, Sha256.of(Files.readAllBytes(file)));
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path f = Files.createTempFile(dir, name, "");
    Files.write(f, bytes);
    return f;
  }

  private static CanonicalUrl url(String text) {
    return CanonicalUrl.parse(text);
  }
}
