package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --secret-file} end to end: nodes sharing a secret form a group and take objects from each
 * other through the token-guarded peer API; a node with another secret stays alone; a request to the
 * peer API without a token is refused.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SecretClusterIT {

  @TempDir Path dir;

  @Test
  void sameSecret_formsAGroupAndShares_otherSecretStaysOut_peerApiNeedsTheToken() throws Exception {
    Path office = Files.writeString(dir.resolve("office.secret"), "correct horse battery staple\n");
    Path other = Files.writeString(dir.resolve("other.secret"), "a different secret, just as long\n");
    int[] clusterPorts = {NodeProcess.freePort(), NodeProcess.freePort(), NodeProcess.freePort()};
    Path[] secrets = {office, office, other};
    List<NodeProcess> nodes = new ArrayList<>();
    try (OriginServer origin = OriginServer.start()) {
      for (int i = 0; i < 3; i++) {
        List<String> args = new ArrayList<>(List.of("--cache-dir", dir.resolve("node" + i).toString(),
            "--bind", "127.0.0.1", "--cluster-port", Integer.toString(clusterPorts[i]), "--peer-port", "0",
            "--cluster", "office", "--no-mdns", "--secret-file", secrets[i].toString()));
        for (int j = 0; j < 3; j++) {
          if (j != i) {
            args.addAll(List.of("--seed", "127.0.0.1:" + clusterPorts[j]));
          }
        }
        nodes.add(NodeProcess.start(dir, NodeProcess.freePort(), List.of("-Xmx192m"), args.toArray(String[]::new)));
      }
      LoopbackClusterIT.awaitWholeView(2, nodes.subList(0, 2));
      // Several merge rounds (MERGE3 runs every 2-6 s) in which the third node could have got in.
      Thread.sleep(10_000);
      assertEquals(1, nodes.get(2).status().getJsonObject("cluster").getJsonArray("members").size(),
          "a node with another secret stays alone");
      assertEquals(2, nodes.get(0).status().getJsonObject("cluster").getJsonArray("members").size());

      String path = "/debian/pool/main/s/secret/secret_1.0_all.deb";
      origin.route(path, OriginServer.body(2 << 20, 9));
      assertEquals("miss", nodes.get(0).client().get(origin.url(path)).cache());
      ProxyClient.Fetched shared = nodes.get(1).client().get(origin.url(path));
      assertEquals("peer", shared.cache(), "members with the secret share through the peer API");
      assertEquals(origin.sha256(path), shared.sha256());
      assertEquals("miss", nodes.get(2).client().get(origin.url(path)).cache(), "the outsider fetches for itself");
      assertEquals(2, origin.count("GET", path));

      String peerApi = nodes.get(0).status().getJsonObject("cluster").getJsonArray("members").stream()
          .map(m -> (io.vertx.core.json.JsonObject) m).filter(m -> m.getBoolean("self"))
          .findFirst().orElseThrow().getString("peerApi");
      String key = dev.potluck.protocol.ObjectKey.of(dev.potluck.protocol.CanonicalUrl.parse(origin.url(path))).id();
      HttpResponse<String> untokened = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://" + peerApi + "/peer/v1/objects/" + key)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(403, untokened.statusCode(), "the peer API refuses a request without the cluster's token");
      System.out.printf("[figure] --secret-file: 2 nodes with one secret formed a group and shared (peer), the node"
          + " with another secret stayed alone; untokened peer request: %d%n", untokened.statusCode());
    } finally {
      for (NodeProcess node : nodes) {
        node.close();
      }
    }
  }
}
