package dev.potluck.dashboard;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.function.Supplier;

/** The node's local HTTP API under {@code /api/v1/}: read-only JSON for people and scripts. */
public final class ApiRoutes {

  private ApiRoutes() {}

  /**
   * @param status the node's status; called on the request's event loop
   * @param objects the objects in the node's cache, complete ones most recently used first, then
   *     partial ones; called on the request's event loop
   */
  public static Router router(Vertx vertx, Supplier<NodeStatus> status, Supplier<List<CachedObject>> objects) {
    Router router = Router.router(vertx);
    router.get("/api/v1/status").handler(ctx -> json(ctx.response(), status.get().toJson()));
    router.get("/api/v1/objects").handler(ctx -> json(ctx.response(), CachedObject.toJson(objects.get())));
    router.route().last().handler(ctx -> ctx.response()
        .setStatusCode(404)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end("potluck: no such path " + ctx.request().path()
            + "; this listener serves proxy requests, /mirror/{name}/..., the dashboard at /, /api/v1/status,"
            + " /api/v1/objects, /api/v1/swarm, /api/v1/events and /metrics\n"));
    return router;
  }

  private static void json(HttpServerResponse response, JsonObject body) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encodePrettily() + "\n");
  }
}
