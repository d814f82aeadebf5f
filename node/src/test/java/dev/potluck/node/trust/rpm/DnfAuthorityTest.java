package dev.potluck.node.trust.rpm;

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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chain repomd.xml (+ .asc) → primary → rpms, over repositories built by the real rpmbuild and
 * createrepo_c, and signed by the real gpg.
 */
class DnfAuthorityTest {

  private static final String ROOT = "http://rpm.example/fedora/39/Everything/x86_64/os/";
  private static final Instant NOW = Instant.parse("2026-12-03T09:00:00Z");

  @TempDir static Path work;
  private static List<Path> rpms;
  private static Gpg gpg;
  private static String signer;
  private static TrustedKeys keys;

  @TempDir Path dir;

  @BeforeAll
  static void build() throws IOException {
    rpms = RpmRepository.buildRpms(work);
    gpg = Gpg.start();
    signer = gpg.generate("Repository <repo@example.org>", "rsa3072", "sign", "never");
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
  void signedChain_vouchesForEveryRpmWithItsSize() throws IOException {
    Path repo = RpmRepository.create(dir.resolve("repo"), rpms);
    DnfAuthority authority = new DnfAuthority(keys, () -> NOW);
    observeRepomd(authority, repo, true);
    observePrimary(authority, repo);

    assertEquals(List.of(), authority.problems());
    assertEquals(3, authority.listedPackages());
    for (int i = 0; i < rpms.size(); i++) {
      String href = RpmRepository.SPECS.get(i).folder() + rpms.get(i).getFileName();
      Expectation e = authority.lookup(url(ROOT + href));
      assertEquals(Sha256.of(Files.readAllBytes(rpms.get(i))), e.sha256(), href);
      assertEquals(Files.size(rpms.get(i)), e.size(), href);
      assertEquals(Authority.SIGNED_METADATA, e.authority());
      assertTrue(e.source().contains("signed by key " + signer.substring(signer.length() - 16)), e.source());
    }
    assertEquals(Files.size(rpms.get(2)), authority.lookup(url(ROOT + "Packages/g/gamma%2Bplus-3.0-1.noarch.rpm")).size(),
        "+ escaped or not");
    assertNull(authority.lookup(url(ROOT + "Packages/a/zeta-1.0-1.noarch.rpm")), "not listed");
    assertNull(authority.lookup(url(ROOT + rpms.get(0).getFileName())), "not at the root: in its subfolder");
    assertNull(authority.lookup(url(ROOT + "repodata/repomd.xml")), "mutable metadata is never vouched for");
  }

  @Test
  void unsignedRepomd_withXzPrimary_vouchesAsThisNodeFetchedIt() throws IOException {
    Path repo = RpmRepository.create(dir.resolve("repo"), rpms, "--general-compress-type=xz");
    assertTrue(RpmRepository.primary(repo).toString().endsWith(".xz"));
    DnfAuthority authority = new DnfAuthority(TrustedKeys.load(List.of()), () -> NOW);
    observeRepomd(authority, repo, false);
    observePrimary(authority, repo);
    Expectation e = authority.lookup(url(ROOT + "Packages/b/" + rpms.get(1).getFileName()));
    assertEquals(Files.size(rpms.get(1)), e.size());
    assertTrue(e.source().contains("unsigned"), e.source());
    assertEquals(Authority.FETCHED_METADATA, e.authority(), "unsigned: vouched for by this node's own fetch");
    assertEquals(List.of(), authority.problems());
  }

  @Test
  void primaryBeforeRepomd_isUsedOnceTheRepomdIsVerified() throws IOException {
    Path repo = RpmRepository.create(dir.resolve("repo"), rpms);
    DnfAuthority authority = new DnfAuthority(keys, () -> NOW);
    observePrimary(authority, repo);
    String alpha = ROOT + "Packages/a/" + rpms.get(0).getFileName();
    assertNull(authority.lookup(url(alpha)));
    observeRepomd(authority, repo, true);
    assertEquals(Files.size(rpms.get(0)), authority.lookup(url(alpha)).size());
    assertEquals(List.of(), authority.problems());
  }

  @Test
  void primaryOfAnotherRepomd_vouchesForNothing_andSaysWhy() throws IOException {
    Path repo = RpmRepository.create(dir.resolve("repo"), rpms);
    Path other = RpmRepository.create(dir.resolve("other"), rpms.subList(0, 2));
    DnfAuthority authority = new DnfAuthority(keys, () -> NOW);
    observeRepomd(authority, repo, true);
    // The other repository's primary, served at the URL this repomd names.
    observe(authority, ROOT + repo.relativize(RpmRepository.primary(repo)), RpmRepository.primary(other));
    assertNull(authority.lookup(url(ROOT + "Packages/a/" + rpms.get(0).getFileName())));
    assertEquals(0, authority.listedPackages());
    assertEquals(1, authority.problems().size());
    assertTrue(authority.problems().get(0).contains("repomd.xml lists"), authority.problems().toString());
  }

  @Test
  void unknownKey_vouchesForNothing_andSaysWhy() throws IOException {
    Path repo = RpmRepository.create(dir.resolve("repo"), rpms);
    DnfAuthority authority = new DnfAuthority(TrustedKeys.load(List.of()), () -> NOW);
    observeRepomd(authority, repo, true);
    observePrimary(authority, repo);
    assertNull(authority.lookup(url(ROOT + "Packages/a/" + rpms.get(0).getFileName())));
    assertEquals(0, authority.listedPackages());
    assertTrue(authority.problems().get(0).contains("unknown key"), authority.problems().toString());
    assertTrue(authority.problems().get(0).contains(ROOT + "repodata/repomd.xml"), authority.problems().toString());
  }

  @Test
  void badSignatureArrivingLate_withdrawsWhatTheRepomdVouchedFor() throws IOException {
    Path repo = RpmRepository.create(dir.resolve("repo"), rpms);
    DnfAuthority authority = new DnfAuthority(keys, () -> NOW);
    observeRepomd(authority, repo, false);
    observePrimary(authority, repo);
    assertEquals(3, authority.listedPackages());
    byte[] forged = gpg.detachSign("some other repomd".getBytes(UTF_8), true, "SHA256", signer);
    observe(authority, ROOT + "repodata/repomd.xml.asc", write("repomd.xml.asc", forged));
    assertNull(authority.lookup(url(ROOT + "Packages/a/" + rpms.get(0).getFileName())));
    assertTrue(authority.problems().get(0).contains("BAD signature"), authority.problems().toString());
    // The right signature: trusted again, and the primary already read is used again.
    observeRepomd(authority, repo, true);
    assertEquals(3, authority.listedPackages());
    assertEquals(List.of(), authority.problems());
  }

  @Test
  void xmlBase_locatesPackagesUnderTheBaseUrl() throws IOException {
    Path repo = RpmRepository.create(dir.resolve("repo"), rpms, "--baseurl", "http://CDN.example:80/pkgs");
    assertTrue(decompressed(RpmRepository.primary(repo)).contains("xml:base=\"http://CDN.example:80/pkgs\""),
        "createrepo_c writes xml:base");
    DnfAuthority authority = new DnfAuthority(keys, () -> NOW);
    observeRepomd(authority, repo, true);
    observePrimary(authority, repo);
    String href = "Packages/a/" + rpms.get(0).getFileName();
    assertEquals(Files.size(rpms.get(0)), authority.lookup(url("http://cdn.example/pkgs/" + href)).size());
    assertNull(authority.lookup(url(ROOT + href)), "xml:base replaces the repository root");
  }

  @Test
  void sha1Repository_vouchesForNothing_andSaysWhy() throws IOException {
    Path repo = RpmRepository.create(dir.resolve("repo"), rpms, "--checksum=sha1", "--repomd-checksum=sha1");
    DnfAuthority authority = new DnfAuthority(keys, () -> NOW);
    observeRepomd(authority, repo, true);
    observePrimary(authority, repo);
    assertEquals(0, authority.listedPackages());
    assertTrue(authority.problems().get(0).contains("sha1"), authority.problems().toString());
  }

  @Test
  void sha1Packages_areNotVouchedFor() throws IOException {
    Path repo = RpmRepository.create(dir.resolve("repo"), rpms, "--checksum=sha1", "--repomd-checksum=sha256");
    DnfAuthority authority = new DnfAuthority(keys, () -> NOW);
    observeRepomd(authority, repo, true);
    observePrimary(authority, repo);
    assertEquals(0, authority.listedPackages());
    assertNull(authority.lookup(url(ROOT + "Packages/a/" + rpms.get(0).getFileName())));
  }

  @Test
  void malformedMetadata_isAProblem_neverAnException() throws IOException {
    DnfAuthority authority = new DnfAuthority(keys, () -> NOW);
    String root = "http://broken.example/repo/";
    observe(authority, root + "repodata/repomd.xml", write("repomd.xml", "<repomd><data type=\"primary\">".getBytes(UTF_8)));
    assertTrue(authority.problems().get(0).contains("malformed repomd.xml"), authority.problems().toString());

    // A primary that its (unsigned) repomd lists, truncated in the middle of its XML.
    byte[] primary = ("<?xml version=\"1.0\"?><metadata xmlns=\"http://linux.duke.edu/metadata/common\">"
        + "<package type=\"rpm\"><name>a</name><location href=\"a.rpm\"/>").getBytes(UTF_8);
    observeHandMade(authority, root, primary);
    assertTrue(authority.problems().get(0).contains("malformed primary"), authority.problems().toString());
    assertEquals(0, authority.listedPackages());
  }

  @Test
  void externalEntities_areNeverResolved() throws IOException {
    DnfAuthority authority = new DnfAuthority(keys, () -> NOW);
    String root = "http://xxe.example/repo/";
    Path secret = write("secret", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes(UTF_8));
    byte[] primary = ("<?xml version=\"1.0\"?><!DOCTYPE metadata [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]>"
        + "<metadata xmlns=\"http://linux.duke.edu/metadata/common\"><package type=\"rpm\">"
        + "<location href=\"a.rpm\"/><checksum type=\"sha256\">&x;</checksum><size package=\"1\"/></package>"
        + "</metadata>").getBytes(UTF_8);
    observeHandMade(authority, root, primary);
    assertNull(authority.lookup(url(root + "a.rpm")));
    assertEquals(1, authority.problems().size(), authority.problems().toString());
  }

  /** An unsigned repomd.xml listing {@code primary} (uncompressed), then the primary itself. */
  private void observeHandMade(DnfAuthority authority, String root, byte[] primary) throws IOException {
    String href = "repodata/" + Sha256.of(primary).hex() + "-primary.xml";
    String repomd = "<?xml version=\"1.0\"?><repomd xmlns=\"http://linux.duke.edu/metadata/repo\">"
        + "<data type=\"primary\"><checksum type=\"sha256\">" + Sha256.of(primary).hex() + "</checksum>"
        + "<location href=\"" + href + "\"/><size>" + primary.length + "</size></data></repomd>";
    observe(authority, root + "repodata/repomd.xml", write("repomd.xml", repomd.getBytes(UTF_8)));
    observe(authority, root + href, write("primary.xml", primary));
  }

  private void observeRepomd(DnfAuthority authority, Path repo, boolean signed) throws IOException {
    Path repomd = repo.resolve("repodata/repomd.xml");
    observe(authority, ROOT + "repodata/repomd.xml", repomd);
    if (signed) {
      byte[] asc = gpg.detachSign(Files.readAllBytes(repomd), true, "SHA256", signer);
      observe(authority, ROOT + "repodata/repomd.xml.asc", write("repomd.xml.asc", asc));
    }
  }

  private static void observePrimary(DnfAuthority authority, Path repo) throws IOException {
    Path primary = RpmRepository.primary(repo);
    observe(authority, ROOT + repo.relativize(primary), primary);
  }

  private static void observe(DnfAuthority authority, String url, Path file) throws IOException {
    authority.observe(url(url), file, Sha256.of(Files.readAllBytes(file)));
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path f = Files.createTempFile(dir, name, "");
    Files.write(f, bytes);
    return f;
  }

  private static String decompressed(Path file) throws IOException {
    try (var in = dev.potluck.node.trust.apt.Decompression.open(Files.newInputStream(file), file.toString())) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  private static CanonicalUrl url(String text) {
    return CanonicalUrl.parse(text);
  }
}
