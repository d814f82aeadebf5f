package dev.potluck.node.config;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.InvalidUrlException;
import java.util.ArrayList;
import java.util.List;

/**
 * A named upstream served under {@code /mirror/{name}/}: {@code debian=https://deb.debian.org/debian},
 * or several, {@code arch=https://a.example/arch,https://b.example/arch}, as a package manager's mirror
 * list names them. The first is the mirror's {@code base}: its URLs name the objects, so every node
 * that lists the same first upstream shares them, whichever upstream served the bytes. The others are
 * {@code fallbacks}, tried in order when the one before fails. No base ends with a slash, so
 * {@code base + "/" + rest} is an upstream URL.
 */
public record Mirror(String name, String base, List<String> fallbacks) {

  public Mirror {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw new IllegalArgumentException("mirror name must be letters, digits, '.', '_' or '-': '" + name + "'");
    }
    fallbacks = List.copyOf(fallbacks);
  }

  public Mirror(String name, String base) {
    this(name, base, List.of());
  }

  public static Mirror parse(String text) {
    int eq = text.indexOf('=');
    if (eq <= 0 || eq == text.length() - 1) {
      throw new IllegalArgumentException("expected NAME=URL[,URL...] for a mirror, got '" + text + "'");
    }
    String name = text.substring(0, eq).trim();
    List<String> bases = new ArrayList<>();
    for (String url : text.substring(eq + 1).split(",", -1)) {
      String base = base(name, url.trim());
      if (bases.contains(base)) {
        throw new IllegalArgumentException("mirror '" + name + "' lists " + base + " twice");
      }
      bases.add(base);
    }
    return new Mirror(name, bases.get(0), bases.subList(1, bases.size()));
  }

  private static String base(String name, String url) {
    CanonicalUrl base;
    try {
      base = CanonicalUrl.parse(url);
    } catch (InvalidUrlException e) {
      throw new IllegalArgumentException("mirror '" + name + "': " + e.getMessage());
    }
    if (base.toUri().getRawQuery() != null) {
      throw new IllegalArgumentException("mirror URL must not have a query: '" + url + "'");
    }
    String normalised = base.toString();
    while (normalised.endsWith("/")) {
      normalised = normalised.substring(0, normalised.length() - 1);
    }
    return normalised;
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

  /**
   * The same file at each fallback, in order, for {@code url} under this mirror's base ({@link #resolve}'s
   * answer); none for a URL elsewhere.
   */
  public List<CanonicalUrl> fallbacksFor(CanonicalUrl url) {
    String text = url.toString();
    if (fallbacks.isEmpty() || !text.startsWith(base + "/")) {
      return List.of();
    }
    String rest = text.substring(base.length());
    return fallbacks.stream().map(f -> CanonicalUrl.parse(f + rest)).toList();
  }
}
