package dev.potluck.protocol;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * An upstream URL in the one spelling that every node agrees on, so that the same file requested as
 * {@code HTTP://Deb.Debian.org:80/debian/./pool/%7euser} and {@code http://deb.debian.org/debian/pool/~user}
 * is one object.
 *
 * <p>Rules: scheme and host lower-cased; default ports dropped; an empty path becomes {@code /};
 * dot segments resolved; percent-escapes of unreserved characters decoded and the others upper-cased;
 * the query kept; the fragment dropped. Only {@code http} and {@code https} are accepted, without
 * credentials, and at most {@link #MAX_LENGTH} characters long.
 */
public final class CanonicalUrl {

  /** Longer URLs are refused: no package repository needs them, and they bound what a key costs. */
  public static final int MAX_LENGTH = 4096;

  private final URI uri;
  private final String text;

  private CanonicalUrl(URI uri) {
    this.uri = uri;
    this.text = uri.toString();
  }

  /**
   * Canonicalises {@code raw}.
   *
   * @throws InvalidUrlException with a message naming what is wrong with it
   */
  public static CanonicalUrl parse(String raw) {
    if (raw == null || raw.isEmpty()) {
      throw new InvalidUrlException("empty URL");
    }
    if (raw.length() > MAX_LENGTH) {
      throw new InvalidUrlException("URL longer than " + MAX_LENGTH + " characters");
    }
    URI parsed;
    try {
      parsed = new URI(raw);
    } catch (URISyntaxException e) {
      throw new InvalidUrlException("malformed URL '" + abbreviate(raw) + "': " + e.getReason());
    }
    String scheme = parsed.getScheme() == null ? null : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new InvalidUrlException("only http and https URLs can be fetched, not '" + abbreviate(raw) + "'");
    }
    if (parsed.getRawUserInfo() != null) {
      throw new InvalidUrlException("URLs with credentials are not shared: '" + scheme + "://…@" + parsed.getHost() + "'");
    }
    String host = parsed.getHost();
    if (host == null || host.isEmpty()) {
      throw new InvalidUrlException("URL has no host: '" + abbreviate(raw) + "'");
    }
    int port = parsed.getPort();
    if (port == defaultPort(scheme)) {
      port = -1;
    }
    String path = normalisePath(parsed.getRawPath());
    String query = parsed.getRawQuery() == null ? null : normaliseEscapes(parsed.getRawQuery());
    StringBuilder out = new StringBuilder(raw.length());
    out.append(scheme).append("://").append(host.toLowerCase(Locale.ROOT));
    if (port != -1) {
      out.append(':').append(port);
    }
    out.append(path);
    if (query != null) {
      out.append('?').append(query);
    }
    try {
      return new CanonicalUrl(new URI(out.toString()));
    } catch (URISyntaxException e) {
      throw new InvalidUrlException("malformed URL '" + abbreviate(raw) + "': " + e.getReason());
    }
  }

  public String scheme() {
    return uri.getScheme();
  }

  public String host() {
    return uri.getHost();
  }

  /** The port to connect to, the scheme's default when the URL names none. */
  public int port() {
    return uri.getPort() == -1 ? defaultPort(uri.getScheme()) : uri.getPort();
  }

  /** The raw (still percent-encoded) path, never empty. */
  public String path() {
    return uri.getRawPath();
  }

  /** Path and query as sent in an origin-form request line. */
  public String pathAndQuery() {
    return uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery();
  }

  /** The last path segment, decoded escapes and all, or the empty string for a directory. */
  public String fileName() {
    String path = uri.getPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }

  public URI toUri() {
    return uri;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CanonicalUrl other && text.equals(other.text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }

  private static int defaultPort(String scheme) {
    return "https".equals(scheme) ? 443 : 80;
  }

  private static String normalisePath(String rawPath) {
    if (rawPath == null || rawPath.isEmpty()) {
      return "/";
    }
    String escaped = normaliseEscapes(rawPath);
    // Resolving dot segments after decoding keeps "%2e%2e" from smuggling a ".." past the resolver.
    String resolved = URI.create("http://h" + escaped).normalize().getRawPath();
    if (resolved.startsWith("/..")) {
      throw new InvalidUrlException("path climbs above the root: '" + abbreviate(rawPath) + "'");
    }
    return resolved;
  }

  /** Decodes escapes of unreserved characters (RFC 3986 §6.2.2.2) and upper-cases the rest. */
  private static String normaliseEscapes(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    StringBuilder out = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '%') {
        out.append(c);
        continue;
      }
      if (i + 2 >= raw.length() || hex(raw.charAt(i + 1)) < 0 || hex(raw.charAt(i + 2)) < 0) {
        throw new InvalidUrlException("bad percent-escape in '" + abbreviate(raw) + "'");
      }
      char decoded = (char) (hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2)));
      if (isUnreserved(decoded)) {
        out.append(decoded);
      } else {
        out.append('%').append(Character.toUpperCase(raw.charAt(i + 1))).append(Character.toUpperCase(raw.charAt(i + 2)));
      }
      i += 2;
    }
    return out.toString();
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }
}
