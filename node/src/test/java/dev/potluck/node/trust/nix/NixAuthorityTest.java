package dev.potluck.node.trust.nix;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.Expectation;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * narinfo → nar file, with keys, narinfos, signatures and nar files made by the real nix ({@code nix-store
 * --generate-binary-cache-key}, {@code nix-store --add}, {@code nix copy --to file://...?secret-key=},
 * {@code nix store sign}).
 */
class NixAuthorityTest {

  private static final String ROOT = "http://cache.example/nixos/";

  @TempDir static Path shared;
  @TempDir Path dir;

  private static Nix.KeyPair signer;
  private static Nix.KeyPair second;
  private static Nix.KeyPair sameNameOtherKey;
  /** A file with no references, signed by {@link #signer}. */
  private static Cached hello;
  /** A file that references {@link #hello}, signed by {@link #signer} and {@link #second}. */
  private static Cached uses;

  /** One path in the binary cache nix wrote: its narinfo and its nar file. */
  private record Cached(String storePath, String hashPart, String narinfo, Path nar) {
    String narUrl() {
      return ROOT + field(narinfo, "URL");
    }
  }

  @BeforeAll
  static void cache() throws IOException {
    Nix nix = Nix.start(shared);
    signer = nix.generateKey("test-cache-1");
    second = nix.generateKey("other-1");
    sameNameOtherKey = nix.generateKey("test-cache-1");
    String helloPath = nix.add("hello.txt", "hello potluck\n");
    String usesPath = nix.addReferring("uses-hello", helloPath);
    Path cache = nix.copyToCache(usesPath, signer);
    nix.sign(cache, usesPath, second);
    hello = cached(cache, helloPath);
    uses = cached(cache, usesPath);
  }

  @Test
  void signedNarinfo_vouchesForItsNarFile_withTheDigestOfTheFileNixWrote() throws IOException {
    NixAuthority authority = authority(signer);

    observe(authority, hello.hashPart(), hello.narinfo());

    Expectation e = authority.lookup(url(hello.narUrl()));
    byte[] nar = Files.readAllBytes(hello.nar());
    assertEquals(Sha256.of(nar), e.sha256());
    assertEquals(nar.length, e.size());
    assertEquals(Authority.SIGNED_METADATA, e.authority());
    assertEquals("a narinfo under " + ROOT + " signed by test-cache-1", e.source());
    assertEquals(List.of(), authority.problems());
    assertEquals(1, authority.vouchedFiles());
  }

  @Test
  void signedNarinfoWithReferences_vouchesForItsNarFile() throws IOException {
    NixAuthority authority = authority(signer);
    assertTrue(field(uses.narinfo(), "References").startsWith(hello.hashPart()), uses.narinfo());

    observe(authority, uses.hashPart(), uses.narinfo());

    Expectation e = authority.lookup(url(uses.narUrl()));
    assertEquals(Sha256.of(Files.readAllBytes(uses.nar())), e.sha256());
    assertEquals(Files.size(uses.nar()), e.size());
    assertEquals(List.of(), authority.problems());
  }

  @Test
  void lookup_onlyTheNarFilesOfVerifiedNarinfos() throws IOException {
    NixAuthority authority = authority(signer);

    observe(authority, hello.hashPart(), hello.narinfo());

    assertNull(authority.lookup(url(uses.narUrl())), "its narinfo was never seen");
    assertNull(authority.lookup(url(ROOT + hello.hashPart() + ".narinfo")), "narinfos are mutable metadata");
    assertNull(authority.lookup(url("http://elsewhere.example/nixos/" + field(hello.narinfo(), "URL"))),
        "another cache root");
  }

  @Test
  void severalSigs_anyTrustedOneVouches() throws IOException {
    assertEquals(2, uses.narinfo().lines().filter(l -> l.startsWith("Sig: ")).count(), uses.narinfo());
    for (Nix.KeyPair trusted : List.of(signer, second)) {
      NixAuthority authority = authority(trusted);

      observe(authority, uses.hashPart(), uses.narinfo());

      Expectation e = authority.lookup(url(uses.narUrl()));
      assertEquals(Sha256.of(Files.readAllBytes(uses.nar())), e.sha256(), trusted.name());
      assertTrue(e.source().endsWith("signed by " + trusted.name()), e.source());
      assertEquals(List.of(), authority.problems());
    }
  }

  @Test
  void severalSigs_oneUnknownAndOneBad_vouchNothing_andSayWhy() throws IOException {
    NixAuthority authority = authority(sameNameOtherKey);

    observe(authority, uses.hashPart(), uses.narinfo());

    assertNull(authority.lookup(url(uses.narUrl())));
    String problem = onlyProblem(authority);
    assertTrue(problem.contains("signed by other-1, a key this node does not trust"), problem);
    assertTrue(problem.contains("the signature by test-cache-1 does not verify"), problem);
  }

  @Test
  void unknownKey_vouchesForNothing_andSaysWhy() throws IOException {
    NixAuthority authority = new NixAuthority(List.of(NixKey.CACHE_NIXOS_ORG));

    observe(authority, hello.hashPart(), hello.narinfo());

    assertNull(authority.lookup(url(hello.narUrl())));
    String problem = onlyProblem(authority);
    assertTrue(problem.startsWith(ROOT + hello.hashPart() + ".narinfo: "), problem);
    assertTrue(problem.contains("signed by test-cache-1, a key this node does not trust"), problem);
    assertEquals(0, authority.vouchedFiles());
  }

  @Test
  void sameNameWrongKey_vouchesForNothing() throws IOException {
    NixAuthority authority = authority(sameNameOtherKey);

    observe(authority, hello.hashPart(), hello.narinfo());

    assertNull(authority.lookup(url(hello.narUrl())));
    assertTrue(onlyProblem(authority).contains("the signature by test-cache-1 does not verify"));
  }

  @Test
  void noSig_vouchesForNothing() throws IOException {
    NixAuthority authority = authority(signer);
    String unsigned = hello.narinfo().replaceAll("(?m)^Sig: .*\n", "");

    observe(authority, hello.hashPart(), unsigned);

    assertNull(authority.lookup(url(hello.narUrl())));
    assertTrue(onlyProblem(authority).contains("no Sig line"));
  }

  /** Each signed field altered: the signature no longer verifies, and nothing is vouched for. */
  @ParameterizedTest
  @ValueSource(strings = {"StorePath", "NarHash", "NarSize", "References"})
  void alteredSignedField_vouchesForNothing(String name) throws IOException {
    NixAuthority authority = authority(signer);
    String value = field(uses.narinfo(), name);
    String altered = switch (name) {
      // Another name, same hash part: the narinfo's file name still matches.
      case "StorePath" -> value + "x";
      case "NarHash" -> field(hello.narinfo(), "NarHash");
      case "NarSize" -> String.valueOf(Long.parseLong(value) + 1);
      default -> "";
    };

    observe(authority, uses.hashPart(), withField(uses.narinfo(), name, altered));

    assertNull(authority.lookup(url(uses.narUrl())));
    assertTrue(onlyProblem(authority).contains("does not verify"), authority.problems().toString());
  }

  /** FileHash and URL are outside the signature (nix checks the NAR hash after decompressing): a new FileHash is believed. */
  @Test
  void fileHashIsNotSigned_butHexAndNixBase32MeanTheSame() throws IOException {
    NixAuthority authority = authority(signer);
    byte[] fileHash = NixHash.parseSha256(field(hello.narinfo(), "FileHash"));
    byte[] narHash = NixHash.parseSha256(field(hello.narinfo(), "NarHash"));
    String hex = withField(withField(hello.narinfo(), "FileHash", "sha256:" + HexFormat.of().formatHex(fileHash)),
        "NarHash", "sha256:" + HexFormat.of().formatHex(narHash));

    observe(authority, hello.hashPart(), hex);

    assertEquals(Sha256.of(Files.readAllBytes(hello.nar())), authority.lookup(url(hello.narUrl())).sha256());
    assertEquals(List.of(), authority.problems());
  }

  @Test
  void narinfoUnderAnotherPathsName_isRefused() throws IOException {
    NixAuthority authority = authority(signer);

    observe(authority, uses.hashPart(), hello.narinfo());

    assertNull(authority.lookup(url(hello.narUrl())));
    assertTrue(onlyProblem(authority).contains("whose narinfo is " + hello.hashPart() + ".narinfo"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"../elsewhere/nar/x.nar.xz", "/nar/x.nar.xz", "http://evil.example/nar/x.nar.xz", "nar/%zz"})
  void urlOutsideTheCacheRoot_isRefused(String narUrl) throws IOException {
    NixAuthority authority = authority(signer);

    observe(authority, hello.hashPart(), withField(hello.narinfo(), "URL", narUrl));

    assertEquals(0, authority.vouchedFiles());
    assertTrue(onlyProblem(authority).contains("its URL '" + narUrl + "'"), authority.problems().toString());
  }

  @Test
  void uncompressedNar_mustHashToTheSignedNarHash() throws IOException {
    NixAuthority authority = authority(signer);
    String none = withField(hello.narinfo(), "Compression", "none");

    observe(authority, hello.hashPart(), none);

    assertNull(authority.lookup(url(hello.narUrl())));
    assertTrue(onlyProblem(authority).contains("FileHash differs from the signed NarHash"));

    NixAuthority fresh = authority(signer);
    observe(fresh, hello.hashPart(), withField(withField(none, "FileHash", field(none, "NarHash")), "FileSize",
        field(none, "NarSize")));
    Expectation e = fresh.lookup(url(hello.narUrl()));
    assertEquals(new Sha256(HexFormat.of().formatHex(NixHash.parseSha256(field(none, "NarHash")))), e.sha256());
    assertEquals(Long.parseLong(field(none, "NarSize")), e.size());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''                                          | lacks StorePath",
      "'this is not a narinfo'                     | Name: value",
      "'StorePath: /nix/store/x-y\nURL: nar/a\nNarHash: sha256:00\nNarSize: 1' | not a store path name",
      "'{HELLO}\nFileHash: md5:0123'               | FileHash appears twice",
      "'{HELLO_NO_FILEHASH}FileHash: md5:00112233445566778899aabbccddeeff' | a md5 hash, not SHA-256",
      "'{HELLO_NO_FILEHASH}FileHash: sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' | is not a nix base-32 digit",
      "'{HELLO_NO_FILEHASH}FileHash: sha256:2zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' | bits beyond",
      "'{HELLO_NO_FILEHASH}'                       | no FileHash",
      "'{HELLO_NO_SIZE}NarSize: -1'                | NarSize is not a size",
      "'{HELLO_NO_SIG}Sig: test-cache-1:not base64!' | is not base64",
      "'{HELLO_NO_SIG}Sig: test-cache-1:AAAA'      | is 3 bytes, not an Ed25519 signature's 64",
      "'{HELLO_NO_SIG}Sig: no colon here'          | is not NAME:BASE64"})
  void malformedNarinfo_isAProblem_neverAnException(String template, String expected) throws IOException {
    NixAuthority authority = authority(signer);
    String text = template.replace("\\n", "\n")
        .replace("{HELLO}", hello.narinfo())
        .replace("{HELLO_NO_FILEHASH}", hello.narinfo().replaceAll("(?m)^FileHash: .*\n", ""))
        .replace("{HELLO_NO_SIZE}", hello.narinfo().replaceAll("(?m)^NarSize: .*\n", ""))
        .replace("{HELLO_NO_SIG}", hello.narinfo().replaceAll("(?m)^Sig: .*\n", ""));

    assertDoesNotThrow(() -> observe(authority, hello.hashPart(), text));

    assertEquals(0, authority.vouchedFiles());
    assertTrue(onlyProblem(authority).contains(expected), authority.problems().toString());
  }

  @Test
  void binaryGarbageAndHugeFiles_areProblems_neverExceptions() throws IOException {
    NixAuthority authority = authority(signer);
    byte[] garbage = new byte[4096];
    new java.util.Random(7).nextBytes(garbage);
    Path binary = Files.write(dir.resolve("garbage.narinfo"), garbage);
    Path huge = Files.write(dir.resolve("huge.narinfo"), new byte[NarInfo.MAX_BYTES + 1]);

    assertDoesNotThrow(() -> authority.observe(url(ROOT + hello.hashPart() + ".narinfo"), binary, Sha256.of(garbage)));
    assertDoesNotThrow(() -> authority.observe(url(ROOT + uses.hashPart() + ".narinfo"), huge, Sha256.of("x")));
    assertDoesNotThrow(() -> authority.observe(url(ROOT + "missing.narinfo"), dir.resolve("absent"), Sha256.of("x")));

    assertEquals(0, authority.vouchedFiles());
    String problem = onlyProblem(authority);
    assertTrue(problem.startsWith("2 narinfos under " + ROOT + " refused; the latest: "), problem);
    assertTrue(problem.contains("larger than"), problem);
  }

  @Test
  void problems_areBoundedByCacheRoot() throws IOException {
    NixAuthority authority = authority(signer);
    String unsigned = hello.narinfo().replaceAll("(?m)^Sig: .*\n", "");
    Path file = Files.writeString(dir.resolve("unsigned.narinfo"), unsigned);

    for (int i = 0; i < NixAuthority.MAX_PROBLEM_ROOTS + 10; i++) {
      authority.observe(url("http://cache" + i + ".example/" + hello.hashPart() + ".narinfo"), file, Sha256.of(unsigned));
      authority.observe(url("http://cache" + i + ".example/" + hello.hashPart() + ".narinfo"), file, Sha256.of(unsigned));
    }

    List<String> problems = authority.problems();
    assertEquals(NixAuthority.MAX_PROBLEM_ROOTS, problems.size());
    assertTrue(problems.get(problems.size() - 1).startsWith("2 narinfos under http://cache"
        + (NixAuthority.MAX_PROBLEM_ROOTS + 9) + ".example/ refused"), problems.get(problems.size() - 1));
    assertTrue(problems.stream().noneMatch(p -> p.contains("http://cache0.example/")), "the oldest root is forgotten");
  }

  @Test
  void binaryGarbage_isShownAsPrintableText() throws IOException {
    NixAuthority authority = authority(signer);

    observe(authority, hello.hashPart(), "\u0001\u00ff\u001b[31mred");

    assertTrue(onlyProblem(authority).endsWith("'???[31mred'"), authority.problems().toString());
  }

  @Test
  void otherFiles_areIgnored() throws IOException {
    NixAuthority authority = authority(signer);

    authority.observe(url(ROOT + "nix-cache-info"), Files.writeString(dir.resolve("info"), "StoreDir: /nix/store\n"),
        Sha256.of("x"));
    authority.observe(url(hello.narUrl()), hello.nar(), Sha256.of(Files.readAllBytes(hello.nar())));

    assertEquals(0, authority.vouchedFiles());
    assertEquals(List.of(), authority.problems());
  }

  private static NixAuthority authority(Nix.KeyPair trusted) {
    return new NixAuthority(List.of(NixKey.CACHE_NIXOS_ORG, NixKey.parse(trusted.publicKey())));
  }

  private void observe(NixAuthority authority, String hashPart, String narinfo) throws IOException {
    byte[] bytes = narinfo.getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("n-" + System.nanoTime() + ".narinfo"), bytes);
    authority.observe(url(ROOT + hashPart + ".narinfo"), file, Sha256.of(bytes));
  }

  private static String onlyProblem(NixAuthority authority) {
    List<String> problems = authority.problems();
    assertEquals(1, problems.size(), problems.toString());
    return problems.get(0);
  }

  private static Cached cached(Path cache, String storePath) throws IOException {
    String base = storePath.substring(storePath.lastIndexOf('/') + 1);
    String hashPart = base.substring(0, 32);
    String narinfo = Files.readString(cache.resolve(hashPart + ".narinfo"));
    return new Cached(storePath, hashPart, narinfo, cache.resolve(field(narinfo, "URL")));
  }

  /** The value of the narinfo's field {@code name} (the first, for Sig). */
  static String field(String narinfo, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + ": ?(.*)$").matcher(narinfo);
    if (!m.find()) {
      throw new AssertionError("no " + name + " in\n" + narinfo);
    }
    return m.group(1);
  }

  static String withField(String narinfo, String name, String value) {
    return narinfo.replaceFirst("(?m)^" + name + ":.*$", Matcher.quoteReplacement(name + ": " + value));
  }

  private static CanonicalUrl url(String text) {
    return CanonicalUrl.parse(text);
  }
}
