package dev.potluck.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dashboard's routes on a real server on loopback. */
class DashboardTest {

  private final AtomicInteger version = new AtomicInteger();
  private Vertx vertx;
  private io.vertx.core.Context context;
  private HttpServer server;
  private Dashboard dashboard;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    context.runOnContext(v -> {
      Router router = Router.router(vertx);
      dashboard = Dashboard.mount(router, vertx, () -> new SwarmView("a".repeat(32), "test", version.incrementAndGet(),
          List.of(), List.of(), List.of(), 0, new JsonArray(), 0, 0));
      vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .onSuccess(s -> {
            server = s;
            ready.complete(null);
          })
          .onFailure(ready::completeExceptionally);
    });
    ready.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void page_andItsAssets_areServedFromTheJar() throws Exception {
    HttpResponse<String> page = get("/");
    assertEquals(200, page.statusCode());
    assertEquals("text/html; charset=utf-8", page.headers().firstValue("content-type").orElse(""));
    assertTrue(page.body().contains("/dashboard/app.js"), page.body());
    assertEquals("text/javascript; charset=utf-8", get("/dashboard/app.js").headers().firstValue("content-type").orElse(""));
    assertEquals("text/css; charset=utf-8", get("/dashboard/app.css").headers().firstValue("content-type").orElse(""));
  }

  @Test
  void swarm_answersTheViewAsJson() throws Exception {
    HttpResponse<String> swarm = get("/api/v1/swarm");
    assertEquals(200, swarm.statusCode());
    assertEquals("test", new JsonObject(swarm.body()).getString("cluster"));
  }

  @Test
  void events_pushTheViewEverySecond_andAClosedClientIsFreed() throws Exception {
    HttpResponse<InputStream> events = http.send(request("/api/v1/events"), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals("text/event-stream; charset=utf-8", events.headers().firstValue("content-type").orElse(""));
    long first;
    long second;
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
      first = nextEvent(lines).getLong("time");
      second = nextEvent(lines).getLong("time");
      assertEquals(1, watchers());
    }
    assertTrue(second > first, "a newer view follows: " + first + " then " + second);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (watchers() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, watchers(), "a client that went away is dropped");
  }

  private static JsonObject nextEvent(BufferedReader lines) throws Exception {
    for (String line; (line = lines.readLine()) != null; ) {
      if (line.startsWith("data: ")) {
        return new JsonObject(line.substring(6));
      }
    }
    throw new AssertionError("the stream ended");
  }

  private int watchers() throws Exception {
    CompletableFuture<Integer> count = new CompletableFuture<>();
    context.runOnContext(v -> count.complete(dashboard.watchers()));
    return count.get(5, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(request(path), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
        .timeout(Duration.ofSeconds(10)).build();
  }
}
