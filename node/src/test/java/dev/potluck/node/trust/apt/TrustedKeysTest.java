package dev.potluck.node.trust.apt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keyrings as apt finds them: binary and armored, in directories and named files, some broken. */
class TrustedKeysTest {

  private static Gpg gpg;
  private static String first;
  private static String second;
  private static String withSubkey;
  private static String subkey;

  @TempDir Path dir;

  @BeforeAll
  static void makeKeys() throws IOException {
    gpg = Gpg.start();
    first = gpg.generate("First <first@potluck.invalid>", "ed25519", "sign", "never");
    second = gpg.generate("Second <second@potluck.invalid>", "ed25519", "sign", "never");
    withSubkey = gpg.generate("Sub <sub@potluck.invalid>", "ed25519", "cert", "never");
    subkey = gpg.addSigningSubkey(withSubkey, "ed25519");
  }

  @AfterAll
  static void stopGpg() throws IOException {
    if (gpg != null) {
      gpg.close();
    }
  }

  @Test
  void load_binaryAndArmoredFilesInADirectory_findsEveryKey() throws Exception {
    Path trusted = Files.createDirectory(dir.resolve("trusted.gpg.d"));
    Files.write(trusted.resolve("first.gpg"), gpg.export(false, first));
    Files.write(trusted.resolve("second.asc"), gpg.export(true, second));

    TrustedKeys keys = TrustedKeys.load(List.of(trusted));

    assertTrue(keys.find(Gpg.keyId(first)).isPresent());
    assertTrue(keys.find(Gpg.keyId(second)).isPresent());
    assertEquals(2, keys.files());
    assertEquals(List.of(), keys.skipped());
  }

  @Test
  void load_subkey_isFoundByItsOwnId() throws Exception {
    Path keyring = dir.resolve("signed-by.gpg");
    Files.write(keyring, gpg.export(false, withSubkey));

    TrustedKeys keys = TrustedKeys.load(List.of(keyring));

    assertTrue(keys.find(Gpg.keyId(subkey)).isPresent());
    assertTrue(keys.find(Gpg.keyId(withSubkey)).isPresent());
    assertTrue(keys.keyIds().contains(TrustedKeys.hex(Gpg.keyId(subkey))), keys.keyIds().toString());
    assertEquals(2, keys.size());
  }

  @Test
  void load_explicitFileWithAnyName_isRead() throws Exception {
    Path keyring = dir.resolve("archive-key");
    Files.write(keyring, gpg.export(true, first));

    TrustedKeys keys = TrustedKeys.load(List.of(keyring));

    assertTrue(keys.find(Gpg.keyId(first)).isPresent());
  }

  @Test
  void load_badFiles_areSkippedWithReasonsAndTheRestStillLoads() throws Exception {
    Path trusted = Files.createDirectory(dir.resolve("trusted.gpg.d"));
    Files.write(trusted.resolve("good.gpg"), gpg.export(false, first));
    Files.writeString(trusted.resolve("garbage.gpg"), "this is not a keyring\n");
    Files.write(trusted.resolve("empty.gpg"), new byte[0]);
    Files.write(trusted.resolve("notes.txt"), gpg.export(false, second));
    Files.write(trusted.resolve("truncated.asc"), truncatedArmor());
    Path missing = dir.resolve("no-such.gpg");

    TrustedKeys keys = TrustedKeys.load(List.of(trusted, missing));

    assertEquals(1, keys.files());
    assertTrue(keys.find(Gpg.keyId(first)).isPresent());
    assertTrue(keys.find(Gpg.keyId(second)).isEmpty(), "notes.txt must be ignored, as apt does");
    Map<String, String> reasons = keys.skipped().stream()
        .collect(Collectors.toMap(s -> s.path().getFileName().toString(), TrustedKeys.Skipped::reason));
    assertEquals(5, reasons.size(), reasons.toString());
    assertTrue(reasons.get("empty.gpg").contains("empty"), reasons.toString());
    assertTrue(reasons.get("notes.txt").contains("not a .gpg or .asc file"), reasons.toString());
    assertTrue(reasons.get("no-such.gpg").contains("cannot read"), reasons.toString());
    assertTrue(reasons.containsKey("garbage.gpg"), reasons.toString());
    assertTrue(reasons.containsKey("truncated.asc"), reasons.toString());
  }

  @Test
  void load_removedKeysKeyring_isNotTrusted() throws Exception {
    Path keyrings = Files.createDirectory(dir.resolve("keyrings"));
    Files.write(keyrings.resolve("debian-archive-removed-keys.gpg"), gpg.export(false, first));

    TrustedKeys keys = TrustedKeys.load(List.of(keyrings));

    assertEquals(0, keys.size());
    assertTrue(keys.skipped().get(0).reason().contains("withdrawn"), keys.skipped().toString());
  }

  @Test
  void parse_notAKeyring_throwsClearly() {
    IOException e = assertThrows(IOException.class, () -> TrustedKeys.parse("hello".getBytes(UTF_8)));

    assertTrue(e.getMessage().contains("OpenPGP"), e.getMessage());
  }

  @Test
  void load_debianArchiveKeyring_loadsEveryKey() {
    Path keyring = Path.of("/usr/share/keyrings/debian-archive-keyring.gpg");
    assumeTrue(Files.isReadable(keyring), keyring + " is absent (Debian package debian-archive-keyring); skipping");

    TrustedKeys keys = TrustedKeys.load(List.of(keyring));

    assertEquals(List.of(), keys.skipped());
    assertTrue(keys.size() >= 3, keys.toString());
  }

  @Test
  void fromHost_readsAptsPlacesWithoutThrowing() {
    TrustedKeys keys = TrustedKeys.fromHost();

    // Whatever this host holds, every file either loaded or has a reason.
    for (TrustedKeys.Skipped skipped : keys.skipped()) {
      assertTrue(!skipped.reason().isBlank(), skipped.toString());
    }
    if (Files.isDirectory(Path.of("/etc/apt/trusted.gpg.d"))) {
      assertTrue(keys.files() > 0 || !keys.skipped().isEmpty(), keys.toString());
    }
  }

  @Test
  void hostKeys_verifyNothingSignedByAStranger() throws Exception {
    TrustedKeys keys = TrustedKeys.fromHost();
    byte[] inRelease = gpg.clearSign(OpenPgpVerifierTest.RELEASE, "SHA256", first);

    VerificationException e = assertThrows(
        VerificationException.class, () -> new OpenPgpVerifier(keys).verifyClearSigned(inRelease, Instant.now()));

    assertEquals(VerificationException.Reason.UNKNOWN_KEY, e.reason());
  }

  private static byte[] truncatedArmor() throws IOException {
    byte[] armored = gpg.export(true, second);
    String text = new String(armored, UTF_8);
    return text.substring(0, text.length() / 2).getBytes(UTF_8);
  }
}
