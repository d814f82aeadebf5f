package dev.potluck.node.it;

import dev.potluck.node.trust.Tool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real pacman on one host, isolated: a {@code pacman.conf} of the test's ({@code --config}), and
 * database, cache, log, keyring and hook folders of the test's. {@code -Sy} fetches the databases,
 * {@code -Sw} downloads packages (with their dependencies) into the cache folder.
 */
final class PacmanClient {

  private final ClientHost host;

  /**
   * @param servers the repository's {@code Server} lines, tried in order (pacman's own fallback)
   * @param trustedKey an OpenPGP public key the repository signs with, trusted fully in the client's
   *     keyring so that pacman requires and checks every signature ({@code SigLevel = Required}); null
   *     for none ({@code SigLevel = Never})
   */
  PacmanClient(ClientHost host, List<String> servers, Path trustedKey) throws Exception {
    this.host = host;
    Path gnupg = Files.createDirectories(host.dir().resolve("gnupg"));
    Files.setPosixFilePermissions(gnupg, PosixFilePermissions.fromString("rwx------"));
    for (String dir : List.of("db", "cache", "hooks")) {
      Files.createDirectories(host.dir().resolve(dir));
    }
    StringBuilder conf = new StringBuilder("""
        [options]
        Architecture = x86_64
        SigLevel = %s
        LocalFileSigLevel = Never
        ParallelDownloads = 3

        [potluck]
        """.formatted(trustedKey == null ? "Never" : "Required"));
    servers.forEach(s -> conf.append("Server = ").append(s).append('\n'));
    Files.writeString(host.dir().resolve("pacman.conf"), conf);
    if (trustedKey != null) {
      trust(gnupg, trustedKey);
    }
  }

  /** The key in pacman's keyring, trusted as {@code pacman-key --lsign-key} would make it valid. */
  private static void trust(Path gnupg, Path key) throws Exception {
    // As pacman-key --init leaves it: pacman looks for pubring.gpg, so gpg keeps keys there, not in a keybox.
    Files.writeString(gnupg.resolve("gpg.conf"), "no-greeting\nno-permission-warning\n");
    Files.createFile(gnupg.resolve("pubring.gpg"));
    Tool.run(gnupg, Map.of(), "gpg", "--homedir", gnupg.toString(), "--batch", "--quiet", "--import", key.toString());
    String colons = Tool.run(gnupg, Map.of(), "gpg", "--homedir", gnupg.toString(), "--batch", "--with-colons",
        "--fingerprint", "--list-keys");
    String fingerprint = colons.lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
    Path ownertrust = gnupg.resolve("ownertrust.txt");
    Files.writeString(ownertrust, fingerprint + ":6:\n");
    Tool.run(gnupg, Map.of(), "gpg", "--homedir", gnupg.toString(), "--batch", "--quiet", "--import-ownertrust",
        ownertrust.toString());
  }

  private List<String> pacman(String... args) {
    List<String> command = new ArrayList<>(List.of("pacman", "--noconfirm", "--noprogressbar",
        "--config", host.dir().resolve("pacman.conf").toString(), "--dbpath", host.dir().resolve("db").toString(),
        "--cachedir", downloads().toString(), "--logfile", host.dir().resolve("pacman.log").toString(),
        "--gpgdir", host.dir().resolve("gnupg").toString(), "--hookdir", host.dir().resolve("hooks").toString()));
    command.addAll(List.of(args));
    return command;
  }

  /** {@code pacman -Sy}, then {@code pacman -Sw} of {@code packages}. */
  List<ClientHost.Run> downloadAll(List<String> packages) throws Exception {
    ClientHost.Run sync = host.run(pacman("-Sy"));
    List<String> download = new ArrayList<>(pacman("-Sw"));
    download.addAll(packages);
    return List.of(sync, host.run(download));
  }

  /** Where pacman saves packages (and their signatures). */
  Path downloads() {
    return host.dir().resolve("cache");
  }
}
