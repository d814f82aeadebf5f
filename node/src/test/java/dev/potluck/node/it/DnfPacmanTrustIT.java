package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.security.auth.module.UnixSystem;
import dev.potluck.node.trust.pacman.PacmanRepository;
import dev.potluck.node.trust.rpm.RpmRepository;
import dev.potluck.testkit.Programs;
import dev.potluck.testkit.apt.Sha256;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AptTrustIT}'s bad host, with dnf and with pacman. Three hosts in network namespaces, each with
 * a zero-configuration node (no secret: an open group) and the real client, and a repository built by
 * the real tools on a fourth. Host A's client downloads every package through its node; then host A's
 * stored copy of the largest package is altered, its recorded digest rewritten to match. Hosts B and C,
 * with fresh client state, download everything through their own nodes: the client must see nothing
 * wrong, no cache may hold the bad bytes, and host A is blocklisted and drops its copy.
 *
 * <p>The clients run isolated from the host's own configuration: dnf with a config file, a repository
 * folder and an install root of the test's, its proxy set to the node ({@code gpgcheck=0}: the node
 * checks repomd and primary, which is what this test is about); pacman with a {@code pacman.conf},
 * database, cache, log and keyring folders of the test's, its server the node's mirror path
 * ({@code SigLevel = Never}, for the same reason). Needs root, iproute2, curl, python3, and dnf,
 * rpmbuild and createrepo_c or pacman, repo-add and bsdtar (skips otherwise).
 */
@Timeout(value = 480, unit = TimeUnit.SECONDS)
class DnfPacmanTrustIT {

  /** The packages' payloads: random, so each package is about this large. */
  private static final int[] SIZES = {200 * 1024, 3 << 20, 600 * 1024};
  private static final String PROXY = "http://" + NamespaceNode.LISTEN + "/";
  private static final String ORIGIN_ADDRESS = "10.204.0.4";

  @TempDir Path work;

  private NetworkNamespaces namespaces;
  private NamespaceOrigin origin;
  private final List<NamespaceNode> nodes = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    try {
      NamespaceNode.closeAll(nodes);
      if (origin != null) {
        origin.close();
      }
    } finally {
      if (namespaces != null) {
        namespaces.close();
      }
    }
  }

  @Test
  void dnf_alteredHolder_othersDownloadCleanly_andTheBadBytesGoNowhere() throws Exception {
    assumeTools("dnf (Debian package dnf)", "dnf", "rpmbuild (Debian package rpm)", "rpmbuild",
        "createrepo_c (Debian package createrepo-c)", "createrepo_c");
    Path root = Files.createDirectories(work.resolve("origin"));
    // As mirrors lay them out: the repository under a release folder, rpms in subfolders of it.
    List<RpmRepository.Spec> specs = List.of(
        new RpmRepository.Spec("alpha", "1.0", SIZES[0], "Packages/a/"),
        new RpmRepository.Spec("beta", "2.0", SIZES[1], "Packages/b/"),
        new RpmRepository.Spec("gamma+plus", "3.0", SIZES[2], "Packages/g/"));
    String base = "/fedora/releases/1/Everything/noarch/os/";
    Path repo = root.resolve(base.substring(1));
    RpmRepository.create(repo, specs, RpmRepository.buildRpms(work.resolve("build"), specs));
    List<ServedFile> packages = new ArrayList<>();
    for (RpmRepository.Spec s : specs) {
      packages.add(ServedFile.of(root, base + s.path(), s.fileName()));
    }
    List<String> names = specs.stream().map(RpmRepository.Spec::name).toList();
    scenario("dnf", root, packages, List.of(), host -> {
      DnfClient dnf = new DnfClient(host, PROXY, "baseurl=" + origin.url() + "fedora/releases/$releasever/Everything/noarch/os/",
          null);
      return client(() -> dnf.downloadAll(names), dnf.downloads());
    });
  }

  @Test
  void pacman_alteredHolder_othersDownloadCleanly_andTheBadBytesGoNowhere() throws Exception {
    assumeTools("pacman (Debian package pacman-package-manager)", "pacman",
        "repo-add (Debian packages pacman-package-manager and makepkg)", "repo-add",
        "bsdtar (Debian package libarchive-tools)", "bsdtar");
    Path root = Files.createDirectories(work.resolve("origin"));
    // An epoch (a ':' in the file name) and both archive formats, as on Arch's mirrors.
    List<PacmanRepository.Spec> specs = List.of(
        new PacmanRepository.Spec("alpha", "1:1.0-1", SIZES[0], ".pkg.tar.zst"),
        new PacmanRepository.Spec("beta", "2.0-1", SIZES[1], ".pkg.tar.zst"),
        new PacmanRepository.Spec("gamma", "3.0-2", SIZES[2], ".pkg.tar.gz"));
    String base = "/archlinux/potluck/os/x86_64/";
    Path repo = Files.createDirectories(root.resolve(base.substring(1)));
    PacmanRepository.repoAdd(repo, "potluck.db.tar.gz", PacmanRepository.buildPackages(repo, specs, 21L), null, null);
    List<ServedFile> packages = new ArrayList<>();
    for (PacmanRepository.Spec s : specs) {
      packages.add(ServedFile.of(root, base + s.fileName(), s.fileName()));
    }
    List<String> names = specs.stream().map(PacmanRepository.Spec::name).toList();
    scenario("pacman", root, packages, List.of("--mirror", "arch=http://" + ORIGIN_ADDRESS + ":"
        + NamespaceOrigin.PORT + "/archlinux"), host -> {
          PacmanClient pacman = new PacmanClient(host, List.of("http://" + NamespaceNode.LISTEN
              + "/mirror/arch/$repo/os/$arch"), null);
          return client(() -> pacman.downloadAll(names), pacman.downloads());
        });
  }

  // ---- the scenario

  /** One host's package manager, with state of its own, talking to its own node. */
  private interface Client {
    /** Fetches the repository's metadata and downloads every package; returns each command's result. */
    List<ClientHost.Run> downloadAll() throws Exception;

    /** Where the downloaded packages are. */
    Path downloads();
  }

  private interface Download {
    List<ClientHost.Run> run() throws Exception;
  }

  private static Client client(Download download, Path downloads) {
    return new Client() {
      @Override
      public List<ClientHost.Run> downloadAll() throws Exception {
        return download.run();
      }

      @Override
      public Path downloads() {
        return downloads;
      }
    };
  }

  private interface ClientFactory {
    Client on(ClientHost host) throws Exception;
  }

  private void scenario(String tool, Path root, List<ServedFile> packages, List<String> nodeArgs, ClientFactory clients)
      throws Exception {
    assumeTrue(isRoot(), "the " + tool + " trust test runs nodes in network namespaces and " + tool
        + " as root; this is user " + System.getProperty("user.name"));
    namespaces = NetworkNamespaces.create();
    NodeProcess.jar();
    String[] namespace = namespaces.bridge(4);
    origin = NamespaceOrigin.start(namespace[3], ORIGIN_ADDRESS, root, 16 << 20, work);
    for (int i = 0; i < 3; i++) {
      nodes.add(NamespaceNode.start(namespace[i], work, nodeArgs.toArray(String[]::new)));
    }
    for (NamespaceNode node : nodes) {
      node.awaitReady(120);
    }
    awaitWholeView(3, 120);
    List<ClientHost> hosts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      hosts.add(new ClientHost(namespace[i], Files.createDirectories(work.resolve(tool + "-host-" + "abc".charAt(i)))));
    }

    Client hostA = clients.on(hosts.get(0));
    clean(tool + " on host A", hostA.downloadAll());
    ServedFile.assertDownloaded(tool, packages, hostA.downloads());
    JsonObject trustA = nodes.get(0).status().getJsonObject("trust");
    assertEquals("open", trustA.getString("group"), trustA.encode());
    assertTrue(trustA.getJsonObject("verified").getLong("fetched-metadata", 0L) >= packages.size(),
        "host A's node checked every package against the repository's metadata it fetched: " + trustA.encode() + "\n"
            + nodes.get(0).report());

    // Host A's copy of the largest package goes bad, digest record and all.
    ServedFile victim = packages.stream().max(Comparator.comparingLong(ServedFile::size)).orElseThrow();
    Path cacheA = cacheOf(hosts.get(0));
    String badSha = StoredCopies.alter(cacheA, victim.sha256(), victim.size());
    assertNotEquals(victim.sha256(), badSha);

    for (int i = 1; i < 3; i++) {
      Client host = clients.on(hosts.get(i));
      clean(tool + " on host " + "abc".charAt(i), host.downloadAll());
      ServedFile.assertDownloaded(tool, packages, host.downloads());
    }

    String idA = nodes.get(0).status().getString("nodeId");
    awaitTrue(() -> !StoredCopies.stored(cacheA, victim.sha256()), 30, "host A's node drops its altered copy");
    for (int i = 1; i < 3; i++) {
      assertEquals(victim.sha256(), StoredCopies.storedSha(cacheOf(hosts.get(i)), victim.sha256()),
          "host " + "abc".charAt(i) + "'s cache holds the right bytes");
    }
    for (ClientHost host : hosts) {
      assertTrue(holding(cacheOf(host), badSha).isEmpty(), "no cache holds the bad bytes: " + holding(cacheOf(host),
          badSha));
    }
    long victimGets = origin.gets(victim.urlPath());
    JsonObject blocklistB = nodes.get(1).status().getJsonObject("cluster").getJsonObject("blocklisted");
    JsonObject blocklistC = nodes.get(2).status().getJsonObject("cluster").getJsonObject("blocklisted");
    System.out.printf("[figure] %s, altered holder: hosts B and C downloaded cleanly; upstream GETs of the altered"
            + " package %d; host B's blocklist %s; host C's blocklist %s; host A's copy dropped; origin served %s%n",
        tool, victimGets, blocklistB.encode(), blocklistC.encode(), origin.counts());
    assertTrue(blocklistB.containsKey(idA) || blocklistC.containsKey(idA),
        "whoever was offered host A's bad copy blocklisted it:\n" + nodes.get(1).report() + "\n"
            + nodes.get(2).report());
    assertTrue(victimGets <= 2, "the altered package came from upstream again at most once: " + victimGets);
  }

  // ---- helpers

  private static void assumeTools(String... nameAndProgram) {
    for (int i = 0; i < nameAndProgram.length; i += 2) {
      String program = nameAndProgram[i + 1];
      assumeTrue(Programs.onPath(program), nameAndProgram[i] + " is not on PATH; skipping");
    }
  }

  private static boolean isRoot() {
    try {
      return new UnixSystem().getUid() == 0;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private Path cacheOf(ClientHost host) {
    return work.resolve("cache-" + host.namespace());
  }

  /** Each command exited 0 and printed no line about an error, a warning, a failure or a retry. */
  private void clean(String who, List<ClientHost.Run> runs) {
    StringBuilder context = new StringBuilder();
    for (NamespaceNode node : nodes) {
      context.append("\n").append(node.report());
    }
    ClientHost.assertClean(who, runs, context.toString());
  }

  /** The files anywhere under {@code cache} whose SHA-256 is {@code sha256}. */
  private static List<Path> holding(Path cache, String sha256) throws Exception {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(cache)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        if (Files.size(f) > 0 && sha256.equals(Sha256.of(f).toLowerCase(Locale.ROOT))) {
          out.add(f);
        }
      }
    }
    return out;
  }

  private void awaitWholeView(int size, int seconds) throws Exception {
    awaitTrue(() -> {
      for (NamespaceNode node : nodes) {
        if (!node.seesWholeView(size)) {
          return false;
        }
      }
      return true;
    }, seconds, "the nodes form one view");
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private void awaitTrue(Check check, int seconds, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        StringBuilder why = new StringBuilder(what + ": not within " + seconds + " s");
        for (NamespaceNode node : nodes) {
          why.append("\n").append(node.report());
        }
        throw new AssertionError(why.toString());
      }
      Thread.sleep(200);
    }
  }
}
