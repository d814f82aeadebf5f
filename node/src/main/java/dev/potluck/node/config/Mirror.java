package dev.potluck.node.config;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.InvalidUrlException;

/**
 * A named upstream served under {@code /mirror/{name}/}: {@code debian=https://deb.debian.org/debian}.
 * The base never ends with a slash, so {@code base + "/" + rest} is the upstream URL.
 */
public record Mirror(String name, String base) {

  public Mirror {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw new IllegalArgumentException("mirror name must be letters, digits, '.', '_' or '-': '" + name + "'");
    }
  }

  public static Mirror parse(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0 || eq == text.length() - 1) {
      throw new IllegalArgumentException("expected NAME=URL for a mirror, got '" + text + "'");
    }
    String url = text.substring(eq + 1).trim();
    CanonicalUrl base;
    try {
      base = CanonicalUrl.parse(url);
    } catch (InvalidUrlException e) {
      throw new IllegalArgumentException("mirror '" + text.substring(0, eq) + "': " + e.getMessage());
    }
    if (base.toUri().getRawQuery() != null) {
      throw new IllegalArgumentException("mirror URL must not have a query: '" + url + "'");
    }
    String normalised = base.toString();
    while (normalised.endsWith("/")) {
      normalised = normalised.substring(0, normalised.length() - 1);
    }
    return new Mirror(text.substring(0, eq).trim(), normalised);
  }

  /**
   * The upstream URL for {@code rest} (the part after {@code /mirror/name/}), or an exception if
   * {@code rest} would climb out of the mirror's base.
   */
  public CanonicalUrl resolve(String rest) {
    CanonicalUrl url = CanonicalUrl.parse(base + "/" + rest);
    String basePath = CanonicalUrl.parse(base + "/").path();
    if (!url.path().startsWith(basePath)) {
      throw new InvalidUrlException("path leaves mirror '" + name + "': '" + rest + "'");
    }
    return url;
  }
}
