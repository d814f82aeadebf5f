package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.potluck.node.trust.pacman.PacmanRepository;
import dev.potluck.testkit.apt.Sha256;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that asks for its packages the instant its metadata arrived ({@code pacman -Syu} does, in one
 * process) gets them checked against that metadata: the node learns from a stored database on a
 * worker, after the client already has it, and requests for packages wait until it has. Needs bsdtar
 * and repo-add (skips otherwise).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetadataThenPackagesIT {

  @TempDir Path work;

  @Test
  void packagesAskedTheMomentTheDatabaseArrived_areCheckedAgainstIt() throws Exception {
    List<PacmanRepository.Spec> specs = List.of(
        new PacmanRepository.Spec("alpha", "1:1.0-1", 40_000, ".pkg.tar.zst"),
        new PacmanRepository.Spec("beta", "2.0-1", 50_000, ".pkg.tar.gz"),
        new PacmanRepository.Spec("gamma", "3.0-2", 60_000, ".pkg.tar.zst"));
    Path repo = Files.createDirectories(work.resolve("repo/core/os/x86_64"));
    PacmanRepository.repoAdd(repo, "core.db.tar.gz", PacmanRepository.buildPackages(repo, specs, 5L), null, null);

    HttpServer origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    origin.createContext("/", exchange -> {
      Path file = work.resolve("repo").resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
      if (!file.startsWith(work.resolve("repo")) || !Files.isRegularFile(file)) {
        exchange.sendResponseHeaders(404, -1);
      } else {
        exchange.sendResponseHeaders(200, Files.size(file));
        try (OutputStream out = exchange.getResponseBody()) {
          Files.copy(file, out);
        }
      }
      exchange.close();
    });
    origin.start();
    ExecutorService parallel = Executors.newFixedThreadPool(specs.size());
    try (InProcessNode node = InProcessNode.start(InProcessNode.config(Files.createDirectories(work.resolve("cache"))))) {
      String base = "http://127.0.0.1:" + origin.getAddress().getPort() + "/core/os/x86_64/";
      ProxyClient client = node.client();
      assertEquals(200, client.get(base + "core.db").status());
      List<Future<ProxyClient.Fetched>> packages = new ArrayList<>();
      for (PacmanRepository.Spec s : specs) {
        packages.add(parallel.submit(() -> client.get(base + s.fileName())));
      }
      for (int i = 0; i < specs.size(); i++) {
        ProxyClient.Fetched got = packages.get(i).get(60, TimeUnit.SECONDS);
        assertEquals(200, got.status());
        assertEquals(Sha256.of(repo.resolve(specs.get(i).fileName())), got.sha256());
      }
      node.awaitIdle();
      var verified = node.node.status().trust().verified();
      System.out.println("[figure] packages asked for the moment their database arrived: verified " + verified);
      assertEquals(specs.size(), verified.get("fetched-metadata"),
          "each package was checked against the database fetched just before it: " + verified);
    } finally {
      parallel.shutdownNow();
      origin.stop(0);
    }
  }
}
