package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.potluck.node.trust.nix.Nix;
import dev.potluck.testkit.apt.Sha256;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real nix on two hosts, each substituting through its own zero-configuration node, as the README
 * tells a user to set it up: the substituter {@code http://127.0.0.1:7878/mirror/NAME}, the node
 * started with {@code --mirror NAME=URL} and the cache's key trusted by both nix
 * ({@code trusted-public-keys}) and the node ({@code --nix-key}). The binary cache is made by
 * {@code nix copy --to file://...} and served over HTTP; it holds two store paths, one referring to
 * the other, so realising the first substitutes both. Needs root, iproute2, curl, nginx, tc and nix
 * (skips otherwise, saying which is missing).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class NixTwoHostsIT {

  private static final String SUBSTITUTER = "http://" + NamespaceNode.LISTEN + "/mirror/nixcache";

  @TempDir Path work;

  private TwoHostLan lan;

  @AfterEach
  void cleanUp() throws Exception {
    if (lan != null) {
      lan.close();
    }
  }

  @Test
  void nixOnTwoHosts_eachNarCrossesTheUplinkOnce_hostBSubstitutesFromHostA() throws Exception {
    Nix nix = Nix.start(Files.createDirectories(work.resolve("nix")));
    NginxOrigin.assumeInstalled();
    Nix.KeyPair key = nix.generateKey("potluck-test-cache-1");
    // Random payloads, so the nars do not shrink: a binary file, and a text (base64) one that refers to it.
    Random random = new Random(41);
    byte[] library = new byte[3 << 20];
    random.nextBytes(library);
    Path libraryFile = Files.write(work.resolve("libpayload"), library);
    byte[] text = new byte[600 * 1024];
    random.nextBytes(text);
    Path textFile = Files.writeString(work.resolve("app.txt"), Base64.getEncoder().encodeToString(text));
    String libraryPath = nix.add(libraryFile);
    String appPath = nix.addReferring("app", textFile, libraryPath);
    Path root = Files.createDirectories(work.resolve("origin"));
    nix.copyToCache(appPath, key, root.resolve("nixcache"));
    List<ServedFile> nars = new ArrayList<>();
    try (Stream<Path> files = Files.list(root.resolve("nixcache/nar"))) {
      for (Path nar : files.toList()) {
        nars.add(ServedFile.of(root, "/nixcache/nar/" + nar.getFileName(), nar.getFileName().toString()));
      }
    }
    assertEquals(2, nars.size(), "one nar per store path");

    lan = TwoHostLan.start(work, root, List.of("--mirror", "nixcache=" + TwoHostLan.ORIGIN + "/nixcache",
        "--nix-key", key.publicKey()));
    NixClient hostA = new NixClient(lan.hostA(), key.publicKey());
    lan.assertClean("nix on host A", List.of(hostA.realise(appPath)));
    hostA.assertSame(nix, List.of(appPath, libraryPath));
    lan.assertFetchedOnceByA(nars);

    JsonObject before = TwoHostLan.answers(lan.nodeB());
    NixClient hostB = new NixClient(lan.hostB(), key.publicKey());
    ClientHost.Run runB = hostB.realise(appPath);
    lan.assertClean("nix on host B", List.of(runB));
    hostB.assertSame(nix, List.of(appPath, libraryPath));
    System.out.printf("[figure] nix on two hosts, %d nars: host B's realise took %d ms; upstream requests %s; host B's"
        + " node answered %s%n", nars.size(), runB.millis(), lan.origin().counts(),
        TwoHostLan.answers(lan.nodeB()).encode());
    lan.assertFetchedOnceByA(nars);
    lan.assertPeerAnswers(before, nars.size());
  }

  /**
   * nix on one host, with a store of its own ({@code --store DIR}: paths are still {@code /nix/store/...},
   * kept under {@code DIR}), the node as its only substituter and the cache's key trusted.
   */
  private record NixClient(ClientHost host, String publicKey) {

    ClientHost.Run realise(String storePath) throws Exception {
      return host.run(List.of("nix-store", "--store", host.dir().resolve("store").toString(), "--realise", storePath,
          "--add-root", host.dir().resolve("result").toString(), "--option", "substituters", SUBSTITUTER,
          "--option", "trusted-public-keys", publicKey),
          // Single-user: no nixbld group here, and nothing cached in the user's home.
          Map.of("NIX_CONFIG", "build-users-group =", "XDG_CACHE_HOME", host.dir().resolve("xdg").toString()));
    }

    /** Each path's contents in this host's store have the SHA-256 of the origin store's. */
    void assertSame(Nix origin, List<String> storePaths) throws Exception {
      for (String path : storePaths) {
        Path here = host.dir().resolve("store").resolve(path.substring(1));
        assertEquals(Sha256.of(origin.realPath(path)), Sha256.of(here), path);
      }
    }
  }
}
