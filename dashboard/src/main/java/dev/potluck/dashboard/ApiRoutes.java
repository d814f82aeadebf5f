package dev.potluck.dashboard;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.function.Function;
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
    return router(vertx, status, objects, target -> Future.failedFuture(
        new IllegalArgumentException("this node cannot purge objects")));
  }

  /**
   * As above, and {@code DELETE /api/v1/objects/{key}} or {@code DELETE /api/v1/objects?url=URL} drops an
   * object from the node's cache.
   *
   * @param purge removes the object named by a key or URL; completes with whether one was stored, or
   *     fails with {@link IllegalArgumentException} for a name that is neither
   */
  public static Router router(Vertx vertx, Supplier<NodeStatus> status, Supplier<List<CachedObject>> objects,
      Function<String, Future<Boolean>> purge) {
    Router router = Router.router(vertx);
    router.get("/api/v1/status").handler(ctx -> json(ctx.response(), status.get().toJson()));
    router.get("/api/v1/objects").handler(ctx -> json(ctx.response(), CachedObject.toJson(objects.get())));
    router.delete("/api/v1/objects/:key").handler(ctx -> purge(ctx.response(), ctx.pathParam("key"), purge));
    router.delete("/api/v1/objects").handler(ctx -> {
      String url = ctx.queryParams().get("url");
      if (url == null || url.isBlank()) {
        ctx.response().setStatusCode(400);
        json(ctx.response(), new JsonObject().put("error", "name the object: DELETE /api/v1/objects/{key} or"
            + " DELETE /api/v1/objects?url=URL"));
        return;
      }
      purge(ctx.response(), url, purge);
    });
    router.route().last().handler(ctx -> ctx.response()
        .setStatusCode(404)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end("potluck: no such path " + ctx.request().path()
            + "; this listener serves proxy requests, /mirror/{name}/..., the dashboard at /, /api/v1/status,"
            + " /api/v1/objects, /api/v1/swarm, /api/v1/events and /metrics\n"));
    return router;
  }

  private static void purge(HttpServerResponse response, String target, Function<String, Future<Boolean>> purge) {
    purge.apply(target).onComplete(ar -> {
      if (ar.succeeded()) {
        response.setStatusCode(ar.result() ? 200 : 404);
        json(response, new JsonObject().put("target", target).put("purged", ar.result())
            .put("message", ar.result() ? "removed from this node's cache" : "not in this node's cache"));
      } else {
        response.setStatusCode(ar.cause() instanceof IllegalArgumentException ? 400 : 500);
        json(response, new JsonObject().put("target", target).put("error", String.valueOf(ar.cause().getMessage())));
      }
    });
  }

  private static void json(HttpServerResponse response, JsonObject body) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encodePrettily() + "\n");
  }
}
