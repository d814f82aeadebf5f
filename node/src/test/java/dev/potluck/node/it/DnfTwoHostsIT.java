package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.potluck.node.trust.Tool;
import dev.potluck.node.trust.apt.Gpg;
import dev.potluck.node.trust.rpm.RpmRepository;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real dnf on two hosts, each through its own zero-configuration node, both ways the README gives: as
 * dnf's {@code proxy=} (with the repository named by a {@code mirrorlist=}, as Fedora's are), and with
 * a {@code baseurl} under the node's {@code /mirror/NAME/}. The repository's {@code repomd.xml} is
 * signed ({@code repomd.xml.asc}); dnf checks it ({@code repo_gpgcheck=1}) and so does the node
 * ({@code --keyring}). Needs root, iproute2, curl, nginx, tc, gpg, dnf, rpmbuild and createrepo_c
 * (skips otherwise, saying which is missing).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class DnfTwoHostsIT {

  private static final String REPO = "/fedora/releases/1/Everything/noarch/os/";
  private static final String NODE = "http://" + NamespaceNode.LISTEN + "/";

  @TempDir Path work;

  private TwoHostLan lan;
  private Path root;
  private Path key;
  private final List<ServedFile> packages = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    if (lan != null) {
      lan.close();
    }
  }

  @Test
  void dnfThroughTheProxy_withAMirrorlist_eachRpmCrossesTheUplinkOnce() throws Exception {
    buildRepository();
    // A mirror list as Fedora's mirror manager answers it: one base URL a line.
    Files.writeString(root.resolve("mirrorlist"), TwoHostLan.ORIGIN + REPO + "\n");
    lan = TwoHostLan.start(work, root, List.of("--keyring", key.toString()));
    String source = "mirrorlist=" + TwoHostLan.ORIGIN + "/mirrorlist";
    twoHosts("dnf (proxy=, mirrorlist=)", host -> new DnfClient(host, NODE, source, key));
  }

  @Test
  void dnfWithAMirrorBaseurl_eachRpmCrossesTheUplinkOnce() throws Exception {
    buildRepository();
    lan = TwoHostLan.start(work, root, List.of("--keyring", key.toString(),
        "--mirror", "fedora=" + TwoHostLan.ORIGIN + "/fedora"));
    String source = "baseurl=" + NODE + "mirror/fedora/releases/$releasever/Everything/noarch/os/";
    twoHosts("dnf (baseurl under /mirror/)", host -> new DnfClient(host, null, source, key));
  }

  private interface Clients {
    DnfClient on(ClientHost host) throws Exception;
  }

  private void twoHosts(String what, Clients clients) throws Exception {
    List<String> wanted = List.of("alpha", "gamma+plus");
    DnfClient hostA = clients.on(lan.hostA());
    lan.assertClean(what + " on host A", hostA.downloadAll(wanted));
    ServedFile.assertDownloaded("dnf", packages, hostA.downloads());
    lan.assertFetchedOnceByA(packages);

    JsonObject before = TwoHostLan.answers(lan.nodeB());
    DnfClient hostB = clients.on(lan.hostB());
    List<ClientHost.Run> runsB = hostB.downloadAll(wanted);
    lan.assertClean(what + " on host B", runsB);
    ServedFile.assertDownloaded("dnf", packages, hostB.downloads());
    System.out.printf("[figure] %s on two hosts, %d rpms: host B's dnf took %d ms; upstream requests %s; host B's node"
            + " answered %s%n", what, packages.size(), runsB.get(0).millis(), lan.origin().counts(),
        TwoHostLan.answers(lan.nodeB()).encode());
    lan.assertFetchedOnceByA(packages);
    lan.assertPeerAnswers(before, packages.size());
    // Repodata named by its digest (primary, filelists, ...) is one object on the LAN, like a package.
    Map<String, Long> named = new TreeMap<>(lan.origin().counts());
    named.keySet().removeIf(request -> !request.matches("GET .*/repodata/[0-9a-f]{64}-[^/]+"));
    assertFalse(named.isEmpty(), "createrepo_c names its repodata by digest: " + lan.origin().counts());
    named.forEach((request, count) -> assertEquals(1L, count, request + " must cross the upstream link once: " + named));
  }

  /** rpms with random payloads, alpha requiring beta, indexed by createrepo_c, repomd.xml signed. */
  private void buildRepository() throws Exception {
    Tool.require("dnf", "dnf");
    Tool.require("rpmbuild", "rpm");
    Tool.require("createrepo_c", "createrepo-c");
    NginxOrigin.assumeInstalled();
    root = Files.createDirectories(work.resolve("origin"));
    List<RpmRepository.Spec> specs = List.of(
        new RpmRepository.Spec("alpha", "1.0", 400 * 1024, "Packages/a/", List.of("beta")),
        new RpmRepository.Spec("beta", "2.0", 3 << 20, "Packages/b/"),
        new RpmRepository.Spec("gamma+plus", "3.0", 800 * 1024, "Packages/g/"));
    Path repo = root.resolve(REPO.substring(1));
    RpmRepository.create(repo, specs, RpmRepository.buildRpms(work.resolve("build"), specs));
    key = work.resolve("repository-key.asc");
    try (Gpg gpg = Gpg.start()) {
      String signer = gpg.generate("Potluck test repository <repo@example.org>", "rsa3072", "sign", "never");
      Files.write(key, gpg.export(true, signer));
      Path repomd = repo.resolve("repodata/repomd.xml");
      Files.write(repomd.resolveSibling("repomd.xml.asc"), gpg.detachSign(Files.readAllBytes(repomd), true, "SHA256",
          signer));
    }
    for (RpmRepository.Spec s : specs) {
      packages.add(ServedFile.of(root, REPO + s.path(), s.fileName()));
    }
  }
}
