package dev.potluck.node.trust.nix;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.potluck.testkit.Programs;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real nix (Debian package nix-bin), with a store of its own under a test folder ({@code --store
 * DIR}: the paths are still {@code /nix/store/...}, kept in {@code DIR/nix/store}), so tests check the
 * authority against narinfos, signatures and base-32 that nix itself wrote, never against ones made by
 * the library under test. Nothing is written to the host's {@code /nix}.
 */
public final class Nix {

  private static final String EXPERIMENTAL = "--extra-experimental-features";

  private final Path dir;
  private final Path root;

  private Nix(Path dir) {
    this.dir = dir;
    this.root = dir.resolve("store-root");
  }

  /** A fresh store under {@code dir}; skips the calling test (JUnit assumption) when nix is not installed. */
  public static Nix start(Path dir) {
    assumeTrue(Programs.onPath("nix") && Programs.onPath("nix-store") && Programs.onPath("nix-instantiate"),
        "these tests check narinfos made by the real nix (Debian package nix-bin), which is not on PATH; skipping");
    return new Nix(dir);
  }

  /** A signing key pair: {@code nix-store --generate-binary-cache-key}. */
  public record KeyPair(String name, Path secretFile, String publicKey) {}

  public KeyPair generateKey(String name) throws IOException {
    String stem = name + "-" + System.nanoTime();
    Path secret = dir.resolve(stem + ".sec");
    Path pub = dir.resolve(stem + ".pub");
    run("nix-store", "--generate-binary-cache-key", name, secret.toString(), pub.toString());
    return new KeyPair(name, secret, Files.readString(pub).strip());
  }

  /** Adds a file to the store ({@code nix-store --add}); returns its store path. */
  String add(String fileName, String content) throws IOException {
    Path file = Files.writeString(Files.createDirectories(dir.resolve("in-" + System.nanoTime())).resolve(fileName),
        content);
    return run("nix-store", "--store", root.toString(), "--add", file.toString()).strip();
  }

  /** Adds {@code file} to the store ({@code nix-store --add}); returns its store path. */
  public String add(Path file) throws IOException {
    return run("nix-store", "--store", root.toString(), "--add", file.toString()).strip();
  }

  /**
   * A text file in the store: the text of {@code file}, then a line naming {@code referenced}, so that
   * it references that path. The text is read by the expression, as a command line could not hold it.
   */
  public String addReferring(String name, Path file, String referenced) throws IOException {
    Path expr = dir.resolve(name + "-" + System.nanoTime() + ".nix");
    Files.writeString(expr, "builtins.toFile \"" + name + "\" (builtins.readFile " + file.toAbsolutePath()
        + " + \"\\nuses ${builtins.storePath " + referenced + "}\\n\")\n");
    String out = run("nix-instantiate", "--store", root.toString(), "--read-write-mode", "--eval", expr.toString());
    return out.strip().replace("\"", "");
  }

  /** Where the store keeps {@code storePath}'s contents. */
  public Path realPath(String storePath) {
    return root.resolve(storePath.substring(1));
  }

  /** A text file in the store whose content names {@code referenced}, so that it references that path. */
  String addReferring(String name, String referenced) throws IOException {
    String expr = "builtins.toFile \"" + name + "\" \"uses ${builtins.storePath " + referenced + "}\\n\"";
    String out = run("nix-instantiate", "--store", root.toString(), "--read-write-mode", "--eval", "-E", expr).strip();
    return out.replace("\"", "");
  }

  /** {@code nix copy} of {@code path} (and its references) into a new file:// binary cache, signed by {@code key}. */
  Path copyToCache(String path, KeyPair key) throws IOException {
    return copyToCache(path, key, dir.resolve("cache-" + System.nanoTime()));
  }

  /** {@code nix copy} of {@code path} (and its references) into the file:// cache {@code cache}, signed by {@code key}. */
  public Path copyToCache(String path, KeyPair key, Path cache) throws IOException {
    run("nix", EXPERIMENTAL, "nix-command", "copy", "--store", root.toString(),
        "--to", "file://" + cache + "?secret-key=" + key.secretFile(), path);
    return cache;
  }

  /** Adds {@code key}'s signature to {@code path}'s narinfo in {@code cache} ({@code nix store sign}). */
  void sign(Path cache, String path, KeyPair key) throws IOException {
    run("nix", EXPERIMENTAL, "nix-command", "store", "sign", "--store", "file://" + cache,
        "--key-file", key.secretFile().toString(), path);
  }

  /** {@code nix hash to-base32 --type sha256} of each hex digest, one line each. */
  List<String> toBase32(List<String> hexDigests) throws IOException {
    List<String> command = new ArrayList<>(List.of("nix", EXPERIMENTAL, "nix-command", "hash", "to-base32", "--type",
        "sha256"));
    command.addAll(hexDigests);
    return List.of(run(command.toArray(String[]::new)).strip().split("\n"));
  }

  /** nix's version line, for messages. */
  String version() throws IOException {
    return run("nix", "--version").strip();
  }

  private String run(String... command) throws IOException {
    Path log = Files.createTempFile(dir, "log", ".txt");
    Path stdout = Files.createTempFile(dir, "out", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(stdout.toFile())
        .redirectError(log.toFile());
    Map<String, String> env = builder.environment();
    // Single-user: no nixbld group here, and nothing cached in the user's home.
    env.put("NIX_CONFIG", "build-users-group =");
    env.put("XDG_CACHE_HOME", dir.resolve("xdg-cache").toString());
    Process process = builder.start();
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("nix timed out: " + command[0]);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + String.join(" ", command), e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": "
          + Files.readString(log));
    }
    return Files.readString(stdout);
  }
}
