package dev.potluck.dashboard;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;

/**
 * The live dashboard on the client listener: the page at {@code /} (its script and style under
 * {@code /dashboard/}), {@code GET /api/v1/swarm} (the view as JSON) and {@code GET /api/v1/events}
 * (the same view pushed as Server-Sent Events). Read-only. Who may reach it is the listener's
 * access policy, as for everything else on it.
 */
public final class Dashboard {

  private final EventStream events;

  private Dashboard(EventStream events) {
    this.events = events;
  }

  /**
   * Adds the dashboard's routes to {@code router}. {@code view} is called on the router's context,
   * once per request and once a second while a browser watches.
   */
  public static Dashboard mount(Router router, Vertx vertx, Supplier<SwarmView> view) {
    Assets assets = Assets.load();
    Supplier<JsonObject> json = () -> view.get().toJson();
    EventStream events = new EventStream(vertx, json);
    for (String path : assets.paths()) {
      Assets.Asset asset = assets.at(path);
      router.get(path).handler(ctx -> ctx.response()
          .putHeader(HttpHeaders.CONTENT_TYPE, asset.contentType())
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .end(asset.body()));
    }
    router.get("/api/v1/swarm").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(json.get().encodePrettily() + "\n"));
    router.get("/api/v1/events").handler(ctx -> events.open(ctx.response()));
    return new Dashboard(events);
  }

  /** Pushes the view to every watching browser now (a member joined or left, say). */
  public void changed() {
    events.publish();
  }

  /** Browsers watching now. */
  public int watchers() {
    return events.clients();
  }
}
