package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.potluck.testkit.apt.AptGet;
import dev.potluck.node.apt.AptPrerequisites;
import dev.potluck.testkit.apt.AptRepository;
import dev.potluck.node.apt.StaticFileServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real apt-get, through a node, against a real signed repository: apt must verify everything it gets,
 * and a second machine (a fresh apt state) must be served every package from the node's cache.
 */
class AptThroughNodeIT {

  private static final int[] SIZES = {100 * 1024, 700 * 1024, 2 << 20, 5 << 20, 300};

  @TempDir Path work;

  @BeforeAll
  static void needsApt() {
    AptPrerequisites.assumeMet();
  }

  @Test
  void aptThroughTheNode_verifiedAndSecondClientServedFromCache() throws Exception {
    AptRepository repository = AptRepository.create(work.resolve("repo"), SIZES.length, i -> SIZES[i], 7L);
    try (StaticFileServer upstream = StaticFileServer.start(repository.root());
        InProcessNode node = InProcessNode.start(InProcessNode.config(work.resolve("cache")))) {
      String proxy = "http://127.0.0.1:" + node.port() + "/";
      String sources = repository.sourcesLine(upstream.url());

      AptGet first = AptGet.create(work.resolve("host-a"), sources, proxy);
      first.update().assertClean();
      first.download(repository.packageNames()).assertClean();
      assertDownloadsIntact(repository, first.downloadDir());
      for (AptRepository.Package p : repository.packages()) {
        assertEquals(1, upstream.requestCount(p.urlPath()), p.urlPath() + " fetched once for the first host");
      }
      node.awaitIdle();
      TreeMap<String, Long> afterFirst = requestCounts(upstream);

      AptGet second = AptGet.create(work.resolve("host-b"), sources, proxy);
      second.update().assertClean();
      second.installDownloadOnly(repository.packageNames()).assertClean();
      assertDownloadsIntact(repository, second.archivesDir());
      for (AptRepository.Package p : repository.packages()) {
        assertEquals(1, upstream.requestCount(p.urlPath()),
            p.urlPath() + " must come from the node's cache for the second host");
      }
      TreeMap<String, Long> afterSecond = requestCounts(upstream);
      System.out.printf("[figure] apt through one node, %d packages: upstream requests after host A %s; after host B %s%n",
          repository.packages().size(), afterFirst, afterSecond);
    }
  }

  private static TreeMap<String, Long> requestCounts(StaticFileServer upstream) {
    return upstream.requests().stream()
        .collect(Collectors.groupingBy(StaticFileServer.Request::path, TreeMap::new, Collectors.counting()));
  }

  private static void assertDownloadsIntact(AptRepository repository, Path dir) throws Exception {
    for (AptRepository.Package p : repository.packages()) {
      byte[] bytes = Files.readAllBytes(dir.resolve(p.fileName()));
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      assertEquals(p.sha256(), HexFormat.of().formatHex(digest.digest(bytes)), p.fileName());
      assertEquals(p.size(), bytes.length);
    }
  }
}
