package dev.potluck.node.trust.apt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.potluck.testkit.Programs;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real gpg in a throwaway GNUPGHOME, so tests check the verifier against what repositories are
 * actually signed with, never against signatures made by the library under test.
 */
public final class Gpg implements AutoCloseable {

  private final Path home;

  private Gpg(Path home) {
    this.home = home;
  }

  /** A fresh home; skips the calling test (JUnit assumption) when gpg is not installed. */
  public static Gpg start() throws IOException {
    assumeTrue(
        Programs.onPath("gpg") && Programs.onPath("gpgconf"),
        "these tests sign with the real gpg (Debian package gnupg), which is not on PATH; skipping");
    // Short and under /tmp: gpg-agent puts its Unix socket here, and socket paths are limited to 108 bytes.
    Path home = Files.createTempDirectory(Path.of("/tmp"), "pg",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return new Gpg(home);
  }

  /** The GNUPGHOME, for other programs that sign with these keys (repo-add -s). */
  public Path home() {
    return home;
  }

  /** Generates an unprotected key; {@code algo} as gpg spells it (rsa3072, ed25519), usage sign or cert. */
  public String generate(String userId, String algo, String usage, String expires) throws IOException {
    run("--passphrase", "", "--quick-gen-key", userId, algo, usage, expires);
    return fingerprints(userId).get(0);
  }

  /** Adds a signing subkey to the key {@code fingerprint}; returns the subkey's fingerprint. */
  public String addSigningSubkey(String fingerprint, String algo) throws IOException {
    run("--passphrase", "", "--quick-add-key", fingerprint, algo, "sign", "never");
    List<String> all = fingerprints(fingerprint);
    return all.get(all.size() - 1);
  }

  /** The fingerprints of the matching key: the primary key's first, then its subkeys'. */
  public List<String> fingerprints(String who) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : run("--with-colons", "--fingerprint", "--fingerprint", "--list-keys", who).split("\n")) {
      if (line.startsWith("fpr:")) {
        out.add(line.split(":")[9]);
      }
    }
    return out;
  }

  /** The 64-bit key id of a v4 fingerprint: its last 16 hex digits. */
  public static long keyId(String fingerprint) {
    return Long.parseUnsignedLong(fingerprint.substring(fingerprint.length() - 16), 16);
  }

  public byte[] export(boolean armor, String... who) throws IOException {
    Path out = home.resolve("export-" + System.nanoTime());
    List<String> args = new ArrayList<>(List.of("--output", out.toString()));
    if (armor) {
      args.add("--armor");
    }
    args.add("--export");
    args.addAll(List.of(who));
    run(args.toArray(String[]::new));
    return Files.readAllBytes(out);
  }

  /** {@code text} clearsigned by each of {@code signers} (one signature per signer, as Debian does). */
  public byte[] clearSign(String text, String digest, String... signers) throws IOException {
    return sign(text.getBytes(UTF_8), digest, List.of("--clearsign"), signers);
  }

  /** A detached signature over {@code data}, binary or armored. */
  public byte[] detachSign(byte[] data, boolean armor, String digest, String signer) throws IOException {
    List<String> mode = armor ? List.of("--armor", "--detach-sign") : List.of("--detach-sign");
    return sign(data, digest, mode, signer);
  }

  private byte[] sign(byte[] data, String digest, List<String> mode, String... signers) throws IOException {
    Path in = home.resolve("in-" + System.nanoTime());
    Path out = home.resolve("out-" + System.nanoTime());
    Files.write(in, data);
    List<String> args = new ArrayList<>(List.of("--passphrase", "", "--digest-algo", digest));
    for (String signer : signers) {
      args.addAll(List.of("--local-user", signer));
    }
    args.addAll(List.of("--output", out.toString()));
    args.addAll(mode);
    args.add(in.toString());
    run(args.toArray(String[]::new));
    return Files.readAllBytes(out);
  }

  private String run(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        "gpg", "--homedir", home.toString(), "--batch", "--yes", "--no-tty", "--quiet", "--pinentry-mode", "loopback"));
    command.addAll(List.of(args));
    Path log = Files.createTempFile(home, "log", ".txt");
    Path stdout = Files.createTempFile(home, "out", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(stdout.toFile())
        .redirectError(log.toFile());
    Process process = builder.start();
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("gpg timed out: " + command);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + command, e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(command + " exited with " + process.exitValue() + ": " + Files.readString(log));
    }
    return Files.readString(stdout);
  }

  /** Stops the gpg-agent this home started (it daemonizes) and deletes the home. */
  @Override
  public void close() throws IOException {
    try {
      Process kill = new ProcessBuilder("gpgconf", "--homedir", home.toString(), "--kill", "all")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      kill.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try (Stream<Path> files = Files.walk(home)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
