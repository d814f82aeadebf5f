package dev.potluck.node.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;

/**
 * A running node's JSON API, as the {@code status} and {@code dump} commands read it. Every failure is
 * a {@link NodeApiException} whose message tells a person what is wrong: no node there, a URL that is
 * not one, or a server that is not a Potluck node.
 */
final class NodeApi {

  /** Where {@code potluck node} listens unless told otherwise. */
  static final String DEFAULT_URL = "http://127.0.0.1:7878";

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

  private final URI base;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(CONNECT_TIMEOUT)
      .proxy(HttpClient.Builder.NO_PROXY)
      .version(HttpClient.Version.HTTP_1_1)
      .build();

  private NodeApi(URI base) {
    this.base = base;
  }

  /**
   * The API of the node at {@code url} ({@code http://HOST:PORT}, a path prefix allowed).
   *
   * @throws IllegalArgumentException naming what is wrong with {@code url}
   */
  static NodeApi at(String url) {
    return new NodeApi(parse(url));
  }

  static URI parse(String url) {
    String text = url == null ? "" : url.strip();
    if (!text.contains("://")) {
      throw new IllegalArgumentException("--node: '" + url + "' is not a URL; did you mean http://" + text + " ?");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--node: not a URL: '" + url + "' (" + e.getReason() + "); example: " + DEFAULT_URL);
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("--node: '" + url + "' is not an http:// URL; example: " + DEFAULT_URL);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("--node: '" + url + "' names no host" + (uri.getRawAuthority() == null ? ""
          : " that can be reached (" + uri.getRawAuthority() + ")") + "; example: " + DEFAULT_URL);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("--node: give the node's address only (scheme, host, port): '" + url + "'");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return URI.create(scheme + "://" + uri.getRawAuthority() + path);
  }

  URI base() {
    return base;
  }

  /** {@code GET /api/v1/status}: answers once the node is ready; proves the server is a Potluck node. */
  JsonObject status() {
    JsonObject status = get("/api/v1/status", true);
    if (!"ready".equals(status.getValue("status")) || !(status.getValue("nodeId") instanceof String)) {
      throw notANode("/api/v1/status answered JSON that is not a Potluck node's status");
    }
    return status;
  }

  /** {@code GET /api/v1/objects}. */
  JsonObject objects() {
    JsonObject objects = get("/api/v1/objects", true);
    if (!(objects.getValue("objects") instanceof io.vertx.core.json.JsonArray)) {
      throw notANode("/api/v1/objects answered JSON without an object list");
    }
    return objects;
  }

  /** {@code GET path}, or null when the node does not serve it (404), as an older node may not. */
  JsonObject optional(String path) {
    return get(path, false);
  }

  /**
   * {@code DELETE}s the object named by {@code target} (an object key or a URL) from the node's cache.
   *
   * @return whether the node held it
   * @throws NodeApiException when the node cannot be asked, or refuses the name (its message says why)
   */
  boolean purge(String target) {
    String path = target.matches("[0-9a-fA-F]{64}") ? "/api/v1/objects/" + target
        : "/api/v1/objects?url=" + java.net.URLEncoder.encode(target, java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(base + path)).DELETE(), path);
    int code = response.statusCode();
    if (code == 200 || code == 404 || code == 400) {
      JsonObject answer = json(response, path);
      if (code == 400 || answer.getString("error") != null) {
        throw new NodeApiException(answer.getString("error", "the node refused " + target));
      }
      if (answer.getBoolean("purged") == null) {
        throw notANode(path + " answered JSON without 'purged'");
      }
      return answer.getBoolean("purged");
    }
    throw notANode("DELETE " + path + " answered HTTP " + code + firstLine(response.body()));
  }

  /** How long a publish may take to upload and store its file. */
  private static final Duration PUBLISH_TIMEOUT = Duration.ofHours(1);

  /**
   * {@code POST /api/v1/published}: uploads {@code file} for the node to store and share.
   *
   * @return the node's answer: sha256, size, path, maxAge, maxShares, expiresAt
   * @throws NodeApiException when the node cannot be asked or refuses (its message says why)
   */
  JsonObject publish(java.nio.file.Path file, long maxAgeSeconds, int maxShares) {
    String path = "/api/v1/published?max-age=" + maxAgeSeconds + "&max-shares=" + maxShares;
    HttpRequest.BodyPublisher body;
    try {
      body = HttpRequest.BodyPublishers.ofFile(file);
    } catch (java.io.FileNotFoundException e) {
      throw new NodeApiException("cannot read " + file + ": " + e.getMessage());
    }
    HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(base + path)).POST(body)
        .header("Content-Type", "application/octet-stream"), path, PUBLISH_TIMEOUT);
    JsonObject answer = answer(response, "POST /api/v1/published");
    if (response.statusCode() != 200 || !(answer.getValue("sha256") instanceof String)) {
      throw new NodeApiException(answer.getString("error", "the node did not publish " + file));
    }
    return answer;
  }

  /**
   * {@code DELETE /api/v1/published/{sha256}}.
   *
   * @return whether the node held it
   */
  boolean unpublish(String sha256) {
    String path = "/api/v1/published/" + sha256;
    HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(base + path)).DELETE(), path);
    JsonObject answer = answer(response, "DELETE " + path);
    if (answer.getString("error") != null || !(answer.getValue("unpublished") instanceof Boolean)) {
      throw new NodeApiException(answer.getString("error", "the node did not answer whether it unpublished " + sha256));
    }
    return answer.getBoolean("unpublished");
  }

  /** The JSON of an answer from the publishing API, which an older node does not have. */
  private JsonObject answer(HttpResponse<String> response, String what) {
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (response.statusCode() == 404 && !type.startsWith("application/json")) {
      throw new NodeApiException(base + " does not publish files (" + what + " answered 404): is it an older node?");
    }
    return json(response, what);
  }

  private JsonObject get(String path, boolean required) {
    HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(base + path)).GET(), path);
    int code = response.statusCode();
    if (code == 404 && !required) {
      return null;
    }
    if (code != 200) {
      throw notANode(path + " answered HTTP " + code + firstLine(response.body()));
    }
    return json(response, path);
  }

  private HttpResponse<String> send(HttpRequest.Builder request, String path) {
    return send(request, path, ANSWER_TIMEOUT);
  }

  private HttpResponse<String> send(HttpRequest.Builder request, String path, Duration timeout) {
    try {
      return http.send(request.timeout(timeout).header("Accept", "application/json").build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (HttpConnectTimeoutException e) {
      throw noNode("nothing accepted a connection within " + CONNECT_TIMEOUT.toSeconds() + " s");
    } catch (HttpTimeoutException e) {
      throw new NodeApiException(base + " accepted the connection but did not answer " + path + " within "
          + timeout.toSeconds() + " s");
    } catch (ConnectException e) {
      throw noNode("connection refused");
    } catch (IOException e) {
      throw new NodeApiException("cannot read " + base + path + ": " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeApiException("interrupted while asking " + base);
    } catch (IllegalArgumentException e) {
      throw new NodeApiException("cannot ask " + base + path + ": " + e.getMessage());
    }
  }

  private JsonObject json(HttpResponse<String> response, String path) {
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw notANode(path + " answered " + (type.isEmpty() ? "no Content-Type" : type) + ", not JSON");
    }
    try {
      return new JsonObject(response.body());
    } catch (DecodeException | ClassCastException e) {
      throw notANode(path + " answered something that is not a JSON object");
    }
  }

  private NodeApiException noNode(String why) {
    return new NodeApiException("no Potluck node answers at " + base + " (" + why + "); start one with 'potluck node',"
        + " or give its address with --node URL");
  }

  private NodeApiException notANode(String why) {
    return new NodeApiException(base + " does not look like a Potluck node: " + why);
  }

  private static String describe(IOException e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  private static String firstLine(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String line = body.strip().lines().findFirst().orElse("");
    return ": " + (line.length() > 160 ? line.substring(0, 160) + "..." : line);
  }

  /** A node that cannot be asked, or an answer that is not a node's; the message is for people. */
  static final class NodeApiException extends RuntimeException {
    NodeApiException(String message) {
      super(message);
    }
  }
}
