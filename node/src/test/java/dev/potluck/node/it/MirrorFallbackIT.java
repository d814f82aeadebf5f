package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.potluck.node.config.Mirror;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --mirror NAME=URL,URL2,...}, as pacman's and dnf's mirror lists use it: a refused connection,
 * then a mirror that lacks the file (404), then one that has it. The client sees only the file; the
 * object is named by the first upstream, so the proxy spelling of that URL is the same object.
 */
class MirrorFallbackIT {

  @TempDir Path cacheDir;
  private OriginServer origin;
  private InProcessNode node;
  private String closedBase;
  private final HttpClient direct = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeEach
  void start() throws Exception {
    origin = OriginServer.start();
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    closedBase = "http://127.0.0.1:" + closed + "/repo";
    node = InProcessNode.start(InProcessNode.config(cacheDir, 1L << 30, Duration.ofMinutes(5), Duration.ofSeconds(5),
        List.of(Mirror.parse("fb=" + closedBase + "," + origin.url("/stale") + "," + origin.url("/current")))));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    origin.close();
  }

  @Test
  void failedUpstreams_nextTriedInOrder_objectNamedByTheFirst() throws Exception {
    origin.route("/current/pool/p.deb", OriginServer.body(250_000, 3));
    HttpResponse<byte[]> first = get("pool/p.deb");
    assertEquals(200, first.statusCode());
    assertEquals(250_000, first.body().length);
    assertEquals("miss", first.headers().firstValue("X-Potluck-Cache").orElse(null));
    assertEquals(1, origin.count("GET", "/stale/pool/p.deb"), "the stale mirror was asked, and answered 404");
    assertEquals(1, origin.count("GET", "/current/pool/p.deb"));
    node.awaitIdle();

    assertEquals("hit", get("pool/p.deb").headers().firstValue("X-Potluck-Cache").orElse(null));
    ProxyClient.Fetched proxied = node.client().get(closedBase + "/pool/p.deb");
    assertEquals("hit", proxied.cache(), "the first upstream's URL names the object, whichever upstream served it");
    assertEquals(origin.sha256("/current/pool/p.deb"), proxied.sha256());
    assertEquals(1, origin.count("GET", "/current/pool/p.deb"));
  }

  @Test
  void missingEverywhere_theLast404ReachesTheClient() throws Exception {
    assertEquals(404, get("pool/nowhere.deb").statusCode());
    assertEquals(1, origin.count("GET", "/current/pool/nowhere.deb"));
  }

  private HttpResponse<byte[]> get(String rest) throws Exception {
    return direct.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/mirror/fb/" + rest))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
