package dev.potluck.node.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** Error answers: the status and one plain-text line a person can act on. */
final class Errors {

  private Errors() {}

  static void send(HttpServerRequest request, int status, String message) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8");
    if (request.method() == HttpMethod.HEAD) {
      response.end();
    } else {
      response.end("potluck: " + message + "\n");
    }
  }
}
