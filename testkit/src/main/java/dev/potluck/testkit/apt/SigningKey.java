package dev.potluck.testkit.apt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway OpenPGP key in a private GNUPGHOME, so signing a test repository never touches the
 * keyrings of the user running the tests.
 */
final class SigningKey implements AutoCloseable {

  static final String USER_ID = "Potluck Test <test@potluck.invalid>";

  private final Path home;

  private SigningKey(Path home) {
    this.home = home;
  }

  /**
   * Creates {@code home} (which must not exist; keep its path short, gpg-agent puts its Unix
   * socket there) and an unprotected ed25519 key in it.
   */
  static SigningKey generate(Path home) throws IOException {
    // gpg refuses a home that others can read.
    Files.createDirectory(
        home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    SigningKey key = new SigningKey(home);
    try {
      key.gpg("--passphrase", "", "--quick-gen-key", USER_ID, "ed25519", "sign", "never");
    } catch (IOException e) {
      key.close();
      throw e;
    }
    return key;
  }

  /** The key generated earlier in {@code home}. */
  static SigningKey at(Path home) {
    if (!Files.isDirectory(home)) {
      throw new IllegalArgumentException("no gpg home at " + home);
    }
    return new SigningKey(home);
  }

  /** Writes the public key as a binary keyring, the format apt's {@code signed-by=} reads. */
  void exportPublicKey(Path keyring) throws IOException {
    gpg("--output", keyring.toString(), "--export");
  }

  /** Writes {@code InRelease}: the Release text with the signature inline. */
  void clearSign(Path input, Path output) throws IOException {
    gpg("--output", output.toString(), "--clearsign", input.toString());
  }

  /** Writes {@code Release.gpg}: an armored detached signature, for apt's fallback path. */
  void detachSign(Path input, Path output) throws IOException {
    gpg("--output", output.toString(), "--armor", "--detach-sign", input.toString());
  }

  /** Stops the gpg-agent this key started; it daemonizes and would otherwise outlive the test. */
  @Override
  public void close() throws IOException {
    ExternalCommand.of("gpgconf", "--homedir", home.toString(), "--kill", "all").run();
  }

  private void gpg(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("gpg", "--homedir", home.toString()));
    command.addAll(List.of("--batch", "--yes", "--no-tty", "--quiet"));
    command.addAll(List.of(args));
    ExternalCommand.of(command).check();
  }
}
