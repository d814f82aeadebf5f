package dev.potluck.dashboard;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Server-Sent Events of the swarm view: one event on connect, then one a second and one whenever the
 * node says something changed. A client that goes away (closed tab, dead connection) is dropped at
 * once by its close handler; one that cannot take an event a second is dropped too, so neither
 * memory nor connections pile up. At most {@link #MAX_CLIENTS} at once. Confined to one context.
 */
final class EventStream {

  /** Browsers beyond this many get 503: the page is for people, not a broadcast service. */
  static final int MAX_CLIENTS = 32;

  /** How often every client gets the view. */
  static final long PERIOD_MILLIS = 1_000;

  /** Tells the browser how soon to reconnect after the node went away. */
  private static final long RETRY_MILLIS = 2_000;

  private final Vertx vertx;
  private final Supplier<JsonObject> view;
  private final Set<HttpServerResponse> clients = new LinkedHashSet<>();
  private long timer = -1;

  EventStream(Vertx vertx, Supplier<JsonObject> view) {
    this.vertx = vertx;
    this.view = view;
  }

  void open(HttpServerResponse response) {
    if (clients.size() >= MAX_CLIENTS) {
      response.setStatusCode(503).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
          .end("potluck: " + MAX_CLIENTS + " dashboards are open already; close one and reload\n");
      return;
    }
    response.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("X-Accel-Buffering", "no");
    response.closeHandler(v -> drop(response));
    response.exceptionHandler(e -> drop(response));
    clients.add(response);
    response.write("retry: " + RETRY_MILLIS + "\n\n");
    send(response, event());
    if (timer < 0) {
      timer = vertx.setPeriodic(PERIOD_MILLIS, t -> publish());
    }
  }

  /** Sends the current view to every client now. */
  void publish() {
    if (clients.isEmpty()) {
      return;
    }
    String event = event();
    for (HttpServerResponse client : Set.copyOf(clients)) {
      send(client, event);
    }
  }

  int clients() {
    return clients.size();
  }

  private String event() {
    return "event: swarm\ndata: " + view.get().encode() + "\n\n";
  }

  private void send(HttpServerResponse client, String event) {
    if (client.closed() || client.ended()) {
      drop(client);
    } else if (client.writeQueueFull()) {
      // More than a whole buffer of events unsent: the reader is gone or hopelessly slow.
      client.reset();
      drop(client);
    } else {
      client.write(event);
    }
  }

  private void drop(HttpServerResponse client) {
    clients.remove(client);
    if (clients.isEmpty() && timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
