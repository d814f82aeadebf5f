package dev.potluck.dashboard;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;

/** The node's local HTTP API under {@code /api/v1/}: read-only JSON for people and scripts. */
public final class ApiRoutes {

  private ApiRoutes() {}

  public static Router router(Vertx vertx, Supplier<NodeStatus> status) {
    Router router = Router.router(vertx);
    router.get("/api/v1/status").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(status.get().toJson().encodePrettily() + "\n"));
    router.route().last().handler(ctx -> ctx.response()
        .setStatusCode(404)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end("potluck: no such path " + ctx.request().path()
            + "; this listener serves proxy requests, /mirror/{name}/..., the dashboard at /, and /api/v1/...\n"));
    return router;
  }
}
