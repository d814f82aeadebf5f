package dev.potluck.node.trust.apt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.trust.apt.VerificationException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Signatures made by the real gpg, as a repository's would be, checked by {@link OpenPgpVerifier}. */
class OpenPgpVerifierTest {

  static final String RELEASE =
      """
      Origin: Potluck Test
      Label: Potluck Test
      Suite: stable
      Codename: bookworm
      Date: Sat, 09 Nov 2024 09:56:04 UTC
      Valid-Until: Sat, 16 Nov 2024 09:56:04 UTC
      Acquire-By-Hash: yes
      Architectures: amd64
      Components: main
      Description: a test repository
      SHA256:
       2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae 1234 main/binary-amd64/Packages
       fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9 456 main/binary-amd64/Packages.xz
      """;

  private static final Instant NOW = Instant.parse("2024-11-10T00:00:00Z");

  private static Gpg gpg;
  private static String rsa;
  private static String ed25519;
  private static String withSubkey;
  private static String subkey;
  private static String expiring;
  private static String stranger;
  private static OpenPgpVerifier verifier;

  @BeforeAll
  static void makeKeys() throws IOException {
    gpg = Gpg.start();
    rsa = gpg.generate("RSA Archive <rsa@potluck.invalid>", "rsa3072", "sign", "never");
    ed25519 = gpg.generate("Ed Archive <ed@potluck.invalid>", "ed25519", "sign", "never");
    // Debian's archive keys sign with subkeys; the primary key only certifies.
    withSubkey = gpg.generate("Sub Archive <sub@potluck.invalid>", "ed25519", "cert", "never");
    subkey = gpg.addSigningSubkey(withSubkey, "rsa2048");
    expiring = gpg.generate("Short Lived <short@potluck.invalid>", "ed25519", "sign", "1y");
    stranger = gpg.generate("Stranger <stranger@potluck.invalid>", "ed25519", "sign", "never");
    byte[] keyring = gpg.export(false, rsa, ed25519, withSubkey, expiring);
    verifier = new OpenPgpVerifier(TrustedKeys.parse(keyring));
  }

  @AfterAll
  static void stopGpg() throws IOException {
    if (gpg != null) {
      gpg.close();
    }
  }

  @Test
  void verifyClearSigned_rsaSha256_returnsSignedTextKeyAndTime() throws Exception {
    Instant before = Instant.now().minusSeconds(5);
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA256", rsa);

    VerifiedText verified = verifier.verifyClearSigned(inRelease, NOW);

    assertEquals(RELEASE, verified.text());
    assertEquals(Gpg.keyId(rsa), verified.keyId());
    assertEquals(Gpg.keyId(rsa), verified.primaryKeyId());
    assertTrue(!verified.signedAt().isBefore(before.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        && verified.signedAt().isBefore(Instant.now().plusSeconds(5)), "signedAt " + verified.signedAt());
  }

  @Test
  void verifyClearSigned_ed25519Sha512_verifies() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA512", ed25519);

    VerifiedText verified = verifier.verifyClearSigned(inRelease, NOW);

    assertEquals(RELEASE, verified.text());
    assertEquals(Gpg.keyId(ed25519), verified.keyId());
  }

  @Test
  void verifyClearSigned_signingSubkey_reportsSubkeyAndItsPrimary() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA512", withSubkey);

    VerifiedText verified = verifier.verifyClearSigned(inRelease, NOW);

    assertEquals(Gpg.keyId(subkey), verified.keyId());
    assertEquals(Gpg.keyId(withSubkey), verified.primaryKeyId());
    assertNotEquals(verified.keyId(), verified.primaryKeyId());
  }

  @Test
  void verifyClearSigned_oneChangedByte_failsAsBadSignature() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA256", rsa);
    byte[] changed = replaceFirst(inRelease, "Codename: bookworm", "Codename: bookwork");

    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyClearSigned(changed, NOW));

    assertEquals(Reason.BAD_SIGNATURE, e.reason());
    assertTrue(e.getMessage().contains("BAD signature by key " + TrustedKeys.hex(Gpg.keyId(rsa))), e.getMessage());
  }

  @Test
  void verifyClearSigned_changedByteInEd25519Signed_fails() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA512", ed25519);
    byte[] changed = replaceFirst(inRelease, " 1234 main", " 1235 main");

    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyClearSigned(changed, NOW));

    assertEquals(Reason.BAD_SIGNATURE, e.reason());
  }

  @Test
  void verifyClearSigned_textAppendedAfterSignature_isNotReturned() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA256", rsa);
    byte[] appended = concat(inRelease, "SHA256:\n 0000000000000000000000000000000000000000000000000000000000000000 1 evil\n"
        .getBytes(UTF_8));

    VerifiedText verified = verifier.verifyClearSigned(appended, NOW);

    assertEquals(RELEASE, verified.text());
    assertFalse(verified.text().contains("evil"));
  }

  @Test
  void verifyClearSigned_textBeforeTheHeader_isRefused() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA256", rsa);
    byte[] prefixed = concat("Origin: Evil\n\n".getBytes(UTF_8), inRelease);

    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyClearSigned(prefixed, NOW));

    assertEquals(Reason.NO_SIGNATURE, e.reason());
    assertTrue(e.getMessage().contains("does not start with -----BEGIN PGP SIGNED MESSAGE-----"), e.getMessage());
  }

  @Test
  void verifyClearSigned_unknownKey_failsNamingTheKeyId() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA256", stranger);

    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyClearSigned(inRelease, NOW));

    assertEquals(Reason.UNKNOWN_KEY, e.reason());
    assertTrue(e.getMessage().contains(TrustedKeys.hex(Gpg.keyId(stranger))), e.getMessage());
  }

  @Test
  void verifyClearSigned_trustedAndUnknownSigner_acceptsTheTrustedSignature() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA256", stranger, ed25519);

    VerifiedText verified = verifier.verifyClearSigned(inRelease, NOW);

    assertEquals(Gpg.keyId(ed25519), verified.keyId());
  }

  @Test
  void verifyClearSigned_dashesAndTrailingBlanks_verifyAndComeBackCanonical() throws Exception {
    String text = "Origin: Dashes  \n-----not armor\n- dash space\nDescription:\t\n\n trailing\t \nlast";
    byte[] inRelease = gpg.clearSign(text, "SHA256", rsa);

    VerifiedText verified = verifier.verifyClearSigned(inRelease, NOW);

    // Trailing blanks are outside what a cleartext signature covers, so they are not returned.
    assertEquals("Origin: Dashes\n-----not armor\n- dash space\nDescription:\n\n trailing\nlast\n", verified.text());
  }

  @Test
  void verifyClearSigned_crlfLineEndings_verify() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA256", rsa);
    byte[] crlf = new String(inRelease, UTF_8).replace("\n", "\r\n").getBytes(UTF_8);

    assertEquals(RELEASE, verifier.verifyClearSigned(crlf, NOW).text());
  }

  @Test
  void verifyClearSigned_keyExpiredAtNow_fails() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA256", expiring);
    assertEquals(Gpg.keyId(expiring), verifier.verifyClearSigned(inRelease, Instant.now()).keyId());

    Instant later = Instant.now().plus(Duration.ofDays(800));
    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyClearSigned(inRelease, later));

    assertEquals(Reason.UNUSABLE_KEY, e.reason());
    assertTrue(e.getMessage().contains("expired"), e.getMessage());
  }

  @Test
  void verifyClearSigned_sha1Digest_isRefusedAsWeak() throws Exception {
    byte[] inRelease = gpg.clearSign(RELEASE, "SHA1", rsa);

    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyClearSigned(inRelease, NOW));

    assertEquals(Reason.WEAK_DIGEST, e.reason());
    assertTrue(e.getMessage().contains("SHA-1"), e.getMessage());
  }

  @Test
  void verifyClearSigned_signatureBlockMissing_failsClearly() throws Exception {
    String inRelease = new String(gpg.clearSign(RELEASE, "SHA256", rsa), UTF_8);
    byte[] cut = inRelease.substring(0, inRelease.indexOf("-----BEGIN PGP SIGNATURE-----")).getBytes(UTF_8);

    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyClearSigned(cut, NOW));

    assertEquals(Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains("no -----BEGIN PGP SIGNATURE----- line"), e.getMessage());
  }

  @Test
  void verifyClearSigned_mangledArmor_isMalformed() throws Exception {
    String inRelease = new String(gpg.clearSign(RELEASE, "SHA256", rsa), UTF_8);
    int body = inRelease.indexOf("\n\n", inRelease.indexOf("-----BEGIN PGP SIGNATURE-----")) + 2;
    byte[] mangled = (inRelease.substring(0, body) + "!!!!" + inRelease.substring(body + 4)).getBytes(UTF_8);

    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyClearSigned(mangled, NOW));

    assertTrue(e.reason() == Reason.MALFORMED || e.reason() == Reason.BAD_SIGNATURE, e.reason() + ": " + e.getMessage());
  }

  @Test
  void verifyClearSigned_plainReleaseFile_saysThereIsNoSignature() {
    VerificationException e = assertThrows(
        VerificationException.class, () -> verifier.verifyClearSigned(RELEASE.getBytes(UTF_8), NOW));

    assertEquals(Reason.NO_SIGNATURE, e.reason());
  }

  @Test
  void verifyDetached_binaryAndArmoredSignatures_verifyTheWholeFile() throws Exception {
    byte[] release = RELEASE.getBytes(UTF_8);
    byte[] binary = gpg.detachSign(release, false, "SHA256", rsa);
    byte[] armored = gpg.detachSign(release, true, "SHA512", withSubkey);

    VerifiedText fromBinary = verifier.verifyDetached(release, binary, NOW);
    VerifiedText fromArmored = verifier.verifyDetached(release, armored, NOW);

    assertEquals(RELEASE, fromBinary.text());
    assertEquals(Gpg.keyId(rsa), fromBinary.keyId());
    assertEquals(Gpg.keyId(subkey), fromArmored.keyId());
    assertTrue(new String(armored, UTF_8).startsWith("-----BEGIN PGP SIGNATURE-----"));
  }

  @Test
  void verifyDetached_changedFile_failsAsBadSignature() throws Exception {
    byte[] release = RELEASE.getBytes(UTF_8);
    byte[] signature = gpg.detachSign(release, false, "SHA512", ed25519);
    byte[] changed = Arrays.copyOf(release, release.length + 1);
    changed[release.length] = '\n';

    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyDetached(changed, signature, NOW));

    assertEquals(Reason.BAD_SIGNATURE, e.reason());
  }

  @Test
  void verifyDetached_unknownKey_namesIt() throws Exception {
    byte[] release = RELEASE.getBytes(UTF_8);
    byte[] signature = gpg.detachSign(release, true, "SHA256", stranger);

    VerificationException e = assertThrows(VerificationException.class, () -> verifier.verifyDetached(release, signature, NOW));

    assertEquals(Reason.UNKNOWN_KEY, e.reason());
    assertTrue(e.getMessage().contains(TrustedKeys.hex(Gpg.keyId(stranger))), e.getMessage());
  }

  @Test
  void verifyDetached_emptyOrGarbageSignature_failsClearly() {
    byte[] release = RELEASE.getBytes(UTF_8);

    VerificationException empty = assertThrows(
        VerificationException.class, () -> verifier.verifyDetached(release, new byte[0], NOW));
    VerificationException garbage = assertThrows(
        VerificationException.class, () -> verifier.verifyDetached(release, "<html>captive portal</html>".getBytes(UTF_8), NOW));

    assertEquals(Reason.NO_SIGNATURE, empty.reason());
    assertEquals(Reason.MALFORMED, garbage.reason());
    assertTrue(garbage.getMessage().startsWith("malformed detached signature"), garbage.getMessage());
  }

  @Test
  void verifiedInRelease_parsesAsReleaseFile() throws Exception {
    VerifiedText verified = verifier.verifyClearSigned(gpg.clearSign(RELEASE, "SHA512", withSubkey), NOW);

    ReleaseFile release = ReleaseFile.parse(verified.text());

    assertEquals("bookworm", release.codename());
    assertEquals(1234, release.index("main/binary-amd64/Packages").orElseThrow().size());
    assertFalse(release.isExpired(NOW));
    assertTrue(release.isExpired(Instant.parse("2024-11-17T00:00:00Z")));
  }

  @Test
  void trustedKeys_armoredExport_verifiesToo() throws Exception {
    OpenPgpVerifier fromArmored = new OpenPgpVerifier(TrustedKeys.parse(gpg.export(true, ed25519)));

    VerifiedText verified = fromArmored.verifyClearSigned(gpg.clearSign(RELEASE, "SHA256", ed25519), NOW);

    assertArrayEquals(RELEASE.getBytes(UTF_8), verified.text().getBytes(UTF_8));
  }

  static byte[] replaceFirst(byte[] data, String from, String to) {
    String text = new String(data, UTF_8);
    assertTrue(text.contains(from), "fixture lacks " + from);
    return text.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(UTF_8);
  }

  static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }
}
