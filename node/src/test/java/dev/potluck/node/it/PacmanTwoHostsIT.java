package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.trust.Tool;
import dev.potluck.node.trust.apt.Gpg;
import dev.potluck.node.trust.pacman.PacmanRepository;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real pacman on two hosts, each through its own zero-configuration node, as the README tells a user
 * to set it up: {@code Server = http://127.0.0.1:7878/mirror/NAME/$repo/os/$arch}, with the node
 * started with {@code --mirror NAME=URL}. The repository is signed as Arch signs it (every package has
 * a {@code .sig}; here the database too) and pacman requires every signature. Its mirror list has two
 * servers: first a mirror that does not carry this repository (every file a 404), then one that does;
 * pacman must fall to the second on each 404 within a second, which it does only if the node answers
 * those 404s at once. With {@code ParallelDownloads}. Needs root, iproute2, curl, nginx, tc, gpg, pacman,
 * repo-add and bsdtar (skips otherwise, saying which is missing).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class PacmanTwoHostsIT {

  private static final String CURRENT = "/archlinux/potluck/os/x86_64/";
  private static final String OTHER = "/other/";
  private static final String NODE = "http://" + NamespaceNode.LISTEN;

  @TempDir Path work;

  private TwoHostLan lan;

  @AfterEach
  void cleanUp() throws Exception {
    if (lan != null) {
      lan.close();
    }
  }

  @Test
  void pacmanOnTwoHosts_signedPackagesCrossTheUplinkOnce_andA404FallsToTheNextServerAtOnce() throws Exception {
    Tool.require("pacman", "pacman-package-manager");
    Tool.require("repo-add", "pacman-package-manager and makepkg");
    Tool.require("bsdtar", "libarchive-tools");
    NginxOrigin.assumeInstalled();
    // alpha needs beta: pacman resolves it.
    List<PacmanRepository.Spec> specs = List.of(
        new PacmanRepository.Spec("alpha", "1:1.0-1", 400 * 1024, ".pkg.tar.zst", List.of("beta")),
        new PacmanRepository.Spec("beta", "2.0-1", 3 << 20, ".pkg.tar.zst"),
        new PacmanRepository.Spec("gamma", "3.0-2", 800 * 1024, ".pkg.tar.gz"));
    Path root = Files.createDirectories(work.resolve("origin"));
    Path current = Files.createDirectories(root.resolve(CURRENT.substring(1)));
    Path key = work.resolve("repository-key.asc");
    try (Gpg gpg = Gpg.start()) {
      String signer = gpg.generate("Potluck test repository <repo@example.org>", "ed25519", "sign", "never");
      Files.write(key, gpg.export(true, signer));
      List<Path> built = PacmanRepository.buildPackages(current, specs, 31L);
      for (Path p : built) {
        Files.write(p.resolveSibling(p.getFileName() + ".sig"), gpg.detachSign(Files.readAllBytes(p), false,
            "SHA256", signer));
      }
      PacmanRepository.repoAdd(current, "potluck.db.tar.gz", built, gpg.home(), signer);
    }
    // The first mirror has the folder, but not this repository.
    Files.createDirectories(root.resolve(OTHER.substring(1)));
    List<ServedFile> packages = new ArrayList<>();
    List<ServedFile> signatures = new ArrayList<>();
    for (PacmanRepository.Spec s : specs) {
      packages.add(ServedFile.of(root, CURRENT + s.fileName(), s.fileName()));
      signatures.add(ServedFile.of(root, CURRENT + s.fileName() + ".sig", s.fileName() + ".sig"));
    }

    lan = TwoHostLan.start(work, root, List.of("--mirror", "arch=" + TwoHostLan.ORIGIN + "/archlinux",
        "--mirror", "other=" + TwoHostLan.ORIGIN + "/other", "--keyring", key.toString()));
    // pacman gives up on a host after three errors in a transaction, counting by host name: the first server
    // names the node "localhost", so that its 404s do not make pacman skip the second.
    List<String> servers = List.of("http://localhost:7878/mirror/other/$repo/os/$arch",
        NODE + "/mirror/arch/$repo/os/$arch");
    List<String> wanted = List.of("alpha", "gamma");

    // pacman reports each server that failed it, even when the next one served the file: those reports of the
    // first server's 404s are expected, and that it skips it after three; anything about the second is trouble.
    Predicate<String> firstServer404 = line -> line.matches("error: failed retrieving file '[^']+' from localhost:7878"
        + " : The requested URL returned error: 404")
        || line.equals("warning: too many errors from localhost:7878, skipping for the remainder of this transaction");
    PacmanClient hostA = new PacmanClient(lan.hostA(), servers, key);
    lan.assertClean("pacman on host A", hostA.downloadAll(wanted), firstServer404);
    ServedFile.assertDownloaded("pacman", packages, hostA.downloads());
    ServedFile.assertDownloaded("pacman", signatures, hostA.downloads());
    lan.assertFetchedOnceByA(packages);
    long fallbackMillis = fallbackMillis("/other/potluck/os/x86_64/" + specs.get(1).fileName(),
        CURRENT + specs.get(1).fileName());

    JsonObject before = TwoHostLan.answers(lan.nodeB());
    PacmanClient hostB = new PacmanClient(lan.hostB(), servers, key);
    List<ClientHost.Run> runsB = hostB.downloadAll(wanted);
    lan.assertClean("pacman on host B", runsB, firstServer404);
    ServedFile.assertDownloaded("pacman", packages, hostB.downloads());
    ServedFile.assertDownloaded("pacman", signatures, hostB.downloads());

    System.out.printf("[figure] pacman on two hosts, %d signed packages (ParallelDownloads 3, a first server without the repository):"
            + " host A fell to the next server %d ms after the 404; host B's -Sw took %d ms; upstream requests %s;"
            + " host B's node answered %s%n", packages.size(), fallbackMillis, runsB.get(1).millis(),
        lan.origin().counts(), TwoHostLan.answers(lan.nodeB()).encode());
    lan.assertFetchedOnceByA(packages);
    // The database carries each package's signature (%PGPSIG%), so the .sig files are shared like the packages.
    lan.assertFetchedOnceByA(signatures);
    lan.assertPeerAnswers(before, packages.size() + signatures.size());
    assertTrue(fallbackMillis < 1000, "pacman fell to the next server within a second of the 404: " + fallbackMillis
        + " ms");
  }

  /** From the start of host A's request that got the 404 to the start of its request to the next server. */
  private long fallbackMillis(String missingPath, String nextPath) throws Exception {
    List<NginxOrigin.Request> requests = lan.origin().requests();
    NginxOrigin.Request miss = requests.stream().filter(r -> r.path().equals(missingPath) && r.status() == 404)
        .findFirst().orElseThrow(() -> new AssertionError("no 404 for " + missingPath + ": " + requests));
    NginxOrigin.Request next = requests.stream().filter(r -> r.path().equals(nextPath) && r.method().equals("GET"))
        .findFirst().orElseThrow(() -> new AssertionError("no request for " + nextPath + ": " + requests));
    assertEquals(TwoHostLan.HOST_A, next.client());
    return next.startMillis() - miss.startMillis();
  }
}
