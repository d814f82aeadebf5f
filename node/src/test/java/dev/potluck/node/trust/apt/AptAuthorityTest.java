package dev.potluck.node.trust.apt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.CopyCheck;
import dev.potluck.node.trust.Expectation;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain InRelease → Packages → package files, with keys and signatures made by the real gpg. */
class AptAuthorityTest {

  private static final String ROOT = "http://deb.example/debian/";
  private static final String DISTS = ROOT + "dists/stable/";
  private static final Instant NOW = Instant.parse("2026-12-03T09:00:00Z");

  @TempDir Path dir;
  private Gpg gpg;
  private String signer;
  private TrustedKeys keys;

  @BeforeEach
  void keys() throws IOException {
    gpg = Gpg.start();
    signer = gpg.generate("Archive <archive@example.org>", "ed25519", "sign", "never");
    Path keyring = dir.resolve("archive.gpg");
    Files.write(keyring, gpg.export(false, signer));
    keys = TrustedKeys.load(List.of(keyring));
  }

  @AfterEach
  void stop() throws IOException {
    gpg.close();
  }

  @Test
  void signedChain_vouchesForEveryListedPackage() throws IOException {
    Repo repo = new Repo();
    AptAuthority authority = new AptAuthority(keys, () -> NOW);
    authority.observe(url(DISTS + "InRelease"), repo.file("InRelease", repo.inRelease(null)), null);
    authority.observe(url(DISTS + "main/binary-all/Packages.gz"), repo.file("Packages.gz", repo.packagesGz),
        Sha256.of(repo.packagesGz));

    Expectation e = authority.lookup(url(ROOT + "pool/main/b/beta/beta_2.0_all.deb"));
    assertEquals(new Expectation(Sha256.of("beta body"), 2222, Authority.SIGNED_METADATA,
        "the signed index " + DISTS + "main/binary-all/Packages"), e);
    assertNull(authority.lookup(url(ROOT + "pool/main/z/zeta/zeta_1_all.deb")), "not listed");
    assertEquals(3, authority.listedPackages());
    assertEquals(List.of(), authority.problems());
  }

  @Test
  void judgeFile_localFileByItsBytes_orByItsName_withAptsEpochSpelling() throws IOException {
    Repo repo = new Repo();
    AptAuthority authority = new AptAuthority(keys, () -> NOW);
    assertNull(authority.judgeFile("beta_2.0_all.deb", Sha256.of("beta body"), 2222), "nothing verified yet");
    authority.observe(url(DISTS + "InRelease"), repo.file("InRelease", repo.inRelease(null)), null);
    authority.observe(url(DISTS + "main/binary-all/Packages.gz"), repo.file("Packages.gz", repo.packagesGz),
        Sha256.of(repo.packagesGz));

    String index = "the signed index " + DISTS + "main/binary-all/Packages";
    assertEquals(new dev.potluck.node.trust.FileVerdict(true, index),
        authority.judgeFile("renamed.deb", Sha256.of("beta body"), 2222), "its bytes are listed, whatever its name");
    assertEquals(new dev.potluck.node.trust.FileVerdict(false, index + " lists beta_2.0_all.deb as 2222 bytes with"
        + " SHA-256 " + Sha256.of("beta body")), authority.judgeFile("beta_2.0_all.deb", Sha256.of("other"), 2222));
    assertEquals(false, authority.judgeFile("beta_1%3a2.0_all.deb", Sha256.of("other"), 2222).vouched(),
        "apt's archive name with an epoch is the pool's name without it");
    assertEquals(false, authority.judgeFile("beta_2.0_all.deb", Sha256.of("beta body"), 2223).vouched(),
        "the listed bytes, but not the listed size");
    assertNull(authority.judgeFile("zeta_1_all.deb", Sha256.of("zeta"), 4), "not listed at all");
  }

  @Test
  void indexListedByName_isKnownByTheDigestItsReleaseGives() throws IOException {
    Repo repo = new Repo();
    AptAuthority authority = new AptAuthority(keys, () -> NOW);
    authority.observe(url(DISTS + "InRelease"), repo.file("InRelease", repo.inRelease(null)), null);
    assertEquals(new Expectation(Sha256.of(repo.packagesGz), repo.packagesGz.length, Authority.SIGNED_METADATA,
        "the signed Release of " + DISTS), authority.lookup(url(DISTS + "main/binary-all/Packages.gz")));
    assertNull(authority.lookup(url(DISTS + "main/binary-all/Packages.xz")), "not listed");
    assertNull(authority.lookup(url(DISTS + "InRelease")), "the Release itself is no listed index");
  }

  @Test
  void checkCopy_anotherMembersInRelease_blamedOnlyWhenProvablyAltered() throws IOException {
    Repo repo = new Repo();
    AptAuthority authority = new AptAuthority(keys, () -> NOW);
    CanonicalUrl inRelease = url(DISTS + "InRelease");
    assertTrue(authority.checksCopiesOf(inRelease));
    assertEquals(false, authority.checksCopiesOf(url(DISTS + "Release")), "no signature of its own");
    assertEquals(CopyCheck.GOOD, authority.checkCopy(inRelease, repo.inRelease("stable", NOW.minusSeconds(3600), true)),
        "first seen");
    authority.observe(inRelease, repo.file("InRelease", repo.inRelease("stable", NOW.minusSeconds(3600), true)), null);

    assertEquals(CopyCheck.GOOD, authority.checkCopy(inRelease, repo.inRelease("stable", NOW.minusSeconds(3600), true)));
    assertEquals(CopyCheck.GOOD, authority.checkCopy(inRelease, repo.inRelease("stable", NOW.minusSeconds(60), true)),
        "a newer one");
    CopyCheck older = authority.checkCopy(inRelease, repo.inRelease("stable", NOW.minusSeconds(7200), true));
    assertEquals(CopyCheck.Verdict.UNUSABLE, older.verdict(), "an earlier Release (a lagging mirror, or a replay)");
    assertTrue(older.why().contains("older"), older.why());
    CopyCheck otherSuite = authority.checkCopy(inRelease, repo.inRelease("testing", NOW.minusSeconds(60), true));
    assertEquals(CopyCheck.Verdict.WRONG, otherSuite.verdict(), "another suite's Release under this suite's name");
    assertTrue(otherSuite.why().contains("suite testing"), otherSuite.why());
    String text = new String(repo.inRelease("stable", NOW.minusSeconds(60), true), StandardCharsets.UTF_8)
        .replace("Origin: Example", "Origin: Exampla");
    assertEquals(CopyCheck.Verdict.WRONG, authority.checkCopy(inRelease, text.getBytes(StandardCharsets.UTF_8))
        .verdict(), "altered after signing");

    AptAuthority stranger = new AptAuthority(TrustedKeys.load(List.of()), () -> NOW);
    assertEquals(CopyCheck.Verdict.UNUSABLE, stranger.checkCopy(inRelease, repo.inRelease("stable", NOW, true))
        .verdict(), "signed by a key this host does not trust: no blame");
    stranger.observe(inRelease, repo.file("InRelease", repo.inRelease("stable", NOW, true)), null);
    assertEquals(false, stranger.checksCopiesOf(inRelease), "a suite it cannot verify is not asked of others");
  }

  @Test
  void indexesToRenew_theListedIndexesClientsAskedFor_noneWhenTheyAskByHash() throws IOException {
    Repo repo = new Repo();
    CanonicalUrl inRelease = url(DISTS + "InRelease");
    AptAuthority byName = new AptAuthority(keys, () -> NOW);
    byName.observe(inRelease, repo.file("InRelease", repo.inRelease("stable", NOW, false)), null);
    assertEquals(List.of(), byName.indexesToRenew(inRelease), "nothing asked for yet");
    byName.lookup(url(DISTS + "main/binary-all/Packages.gz"));
    byName.lookup(url(DISTS + "main/binary-all/Packages.xz")); // not listed: nothing to renew
    assertEquals(List.of(url(DISTS + "main/binary-all/Packages.gz")), byName.indexesToRenew(inRelease));

    AptAuthority byHash = new AptAuthority(keys, () -> NOW);
    byHash.observe(inRelease, repo.file("InRelease", repo.inRelease("stable", NOW, true)), null);
    byHash.lookup(url(DISTS + "main/binary-all/Packages.gz"));
    assertEquals(List.of(), byHash.indexesToRenew(inRelease), "clients of an Acquire-By-Hash repository ask by digest");
  }

  @Test
  void indexBeforeItsRelease_isUsedOnceTheReleaseIsVerified() throws IOException {
    Repo repo = new Repo();
    AptAuthority authority = new AptAuthority(keys, () -> NOW);
    authority.observe(url(DISTS + "main/binary-all/Packages"), repo.file("Packages", repo.packages),
        Sha256.of(repo.packages));
    assertNull(authority.lookup(url(ROOT + "pool/main/a/alpha/alpha_1.0_all.deb")));
    authority.observe(url(DISTS + "InRelease"), repo.file("InRelease", repo.inRelease(null)), null);
    assertEquals(1111, authority.lookup(url(ROOT + "pool/main/a/alpha/alpha_1.0_all.deb")).size());
  }

  @Test
  void unknownKey_vouchesForNothing_andSaysWhy() throws IOException {
    Repo repo = new Repo();
    AptAuthority authority = new AptAuthority(TrustedKeys.load(List.of()), () -> NOW);
    authority.observe(url(DISTS + "InRelease"), repo.file("InRelease", repo.inRelease(null)), null);
    authority.observe(url(DISTS + "main/binary-all/Packages"), repo.file("Packages", repo.packages),
        Sha256.of(repo.packages));
    assertNull(authority.lookup(url(ROOT + "pool/main/a/alpha/alpha_1.0_all.deb")));
    assertEquals(1, authority.problems().size());
    assertTrue(authority.problems().get(0).contains(DISTS + "InRelease"), authority.problems().toString());
  }

  @Test
  void expiredRelease_vouchesForNothing() throws IOException {
    Repo repo = new Repo();
    AptAuthority authority = new AptAuthority(keys, () -> NOW);
    authority.observe(url(DISTS + "InRelease"), repo.file("InRelease", repo.inRelease(NOW.minusSeconds(60))), null);
    authority.observe(url(DISTS + "main/binary-all/Packages"), repo.file("Packages", repo.packages),
        Sha256.of(repo.packages));
    assertNull(authority.lookup(url(ROOT + "pool/main/a/alpha/alpha_1.0_all.deb")));
    assertTrue(authority.problems().get(0).contains("Valid-Until"), authority.problems().toString());
  }

  @Test
  void alteredIndex_isNotUsed() throws IOException {
    Repo repo = new Repo();
    AptAuthority authority = new AptAuthority(keys, () -> NOW);
    authority.observe(url(DISTS + "InRelease"), repo.file("InRelease", repo.inRelease(null)), null);
    byte[] altered = new String(repo.packages, StandardCharsets.UTF_8).replace("Size: 1111", "Size: 1112")
        .getBytes(StandardCharsets.UTF_8);
    authority.observe(url(DISTS + "main/binary-all/Packages"), repo.file("Packages", altered), Sha256.of(altered));
    assertNull(authority.lookup(url(ROOT + "pool/main/a/alpha/alpha_1.0_all.deb")));
    assertTrue(authority.problems().get(0).contains("lists"), authority.problems().toString());
  }

  @Test
  void releaseWithDetachedSignature_andByHashIndexes() throws IOException {
    Repo repo = new Repo();
    AptAuthority authority = new AptAuthority(keys, () -> NOW);
    byte[] release = repo.release(null).getBytes(StandardCharsets.UTF_8);
    authority.observe(url(DISTS + "Release"), repo.file("Release", release), Sha256.of(release));
    authority.observe(url(DISTS + "Release.gpg"), repo.file("Release.gpg",
        gpg.detachSign(release, false, "SHA512", signer)), null);
    String byHash = DISTS + "main/binary-all/by-hash/SHA256/" + Sha256.of(repo.packagesGz).hex();
    assertEquals(repo.packagesGz.length, authority.lookup(url(byHash)).size(), "a by-hash index's size is known too");
    authority.observe(url(byHash), repo.file("byhash", repo.packagesGz), Sha256.of(repo.packagesGz));
    assertEquals(Sha256.of("gamma body"), authority.lookup(url(ROOT + "pool/main/g/gamma/gamma+1_3.0_all.deb")).sha256());
    assertEquals(Sha256.of("gamma body"),
        authority.lookup(url(ROOT + "pool/main/g/gamma/gamma%2B1_3.0_all.deb")).sha256(), "+ escaped or not");
  }

  private static CanonicalUrl url(String text) {
    return CanonicalUrl.parse(text);
  }

  /** A tiny repository: three packages, their Packages index plain and gzipped, and a Release over both. */
  private final class Repo {
    final byte[] packages;
    final byte[] packagesGz;

    Repo() throws IOException {
      String text = stanza("alpha", "pool/main/a/alpha/alpha_1.0_all.deb", "alpha body", 1111)
          + stanza("beta", "pool/main/b/beta/beta_2.0_all.deb", "beta body", 2222)
          + stanza("gamma", "pool/main/g/gamma/gamma+1_3.0_all.deb", "gamma body", 3333);
      packages = text.getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
        out.write(packages);
      }
      packagesGz = gz.toByteArray();
    }

    String release(Instant validUntil) {
      return release(validUntil, "stable", NOW.minusSeconds(3600), true);
    }

    String release(Instant validUntil, String suite, Instant date, boolean byHash) {
      DateTimeFormatter rfc = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
      return "Origin: Example\nSuite: " + suite + "\nCodename: example\nDate: " + rfc.format(date) + "\n"
          + (validUntil == null ? "" : "Valid-Until: " + rfc.format(validUntil) + "\n")
          + (byHash ? "Acquire-By-Hash: yes\n" : "") + "SHA256:\n"
          + " " + Sha256.of(packages).hex() + " " + packages.length + " main/binary-all/Packages\n"
          + " " + Sha256.of(packagesGz).hex() + " " + packagesGz.length + " main/binary-all/Packages.gz\n";
    }

    byte[] inRelease(Instant validUntil) throws IOException {
      return gpg.clearSign(release(validUntil), "SHA256", signer);
    }

    byte[] inRelease(String suite, Instant date, boolean byHash) throws IOException {
      return gpg.clearSign(release(null, suite, date, byHash), "SHA256", signer);
    }

    Path file(String name, byte[] bytes) throws IOException {
      Path f = Files.createTempFile(dir, name, "");
      Files.write(f, bytes);
      return f;
    }

    private String stanza(String name, String filename, String body, long size) {
      return "Package: " + name + "\nVersion: 1\nArchitecture: all\nFilename: " + filename + "\nSize: " + size
          + "\nSHA256: " + Sha256.of(body).hex() + "\nDescription: " + name + "\n\n";
    }
  }
}
