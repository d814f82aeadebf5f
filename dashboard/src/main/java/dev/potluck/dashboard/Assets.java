package dev.potluck.dashboard;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** The page's files, read once from the jar: a handful of small files, no build step, no disk cache. */
final class Assets {

  /** A file of the page and its media type. */
  record Asset(Buffer body, String contentType) {}

  private static final String ROOT = "/dev/potluck/dashboard/webroot/";

  private final Map<String, Asset> byPath;

  private Assets(Map<String, Asset> byPath) {
    this.byPath = byPath;
  }

  static Assets load() {
    return new Assets(Map.of(
        "/", read("index.html", "text/html; charset=utf-8"),
        "/dashboard/app.css", read("app.css", "text/css; charset=utf-8"),
        "/dashboard/app.js", read("app.js", "text/javascript; charset=utf-8")));
  }

  /** The asset served at {@code path}, or null. */
  Asset at(String path) {
    return byPath.get(path);
  }

  Iterable<String> paths() {
    return byPath.keySet();
  }

  private static Asset read(String name, String contentType) {
    try (InputStream in = Assets.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard's " + name + " is missing from the jar");
      }
      return new Asset(Buffer.buffer(in.readAllBytes()), contentType);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the dashboard's " + name, e);
    }
  }
}
