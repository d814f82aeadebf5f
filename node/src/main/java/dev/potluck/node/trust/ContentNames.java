package dev.potluck.node.trust;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import java.util.Locale;

/**
 * Names that are their content's SHA-256, so the name alone is the authority: apt's
 * {@code .../by-hash/SHA256/<hex>}, dnf's content-named repodata ({@code repodata/<hex>-primary.xml.gz})
 * and Potluck's own {@code /sha256/<hex>}. Bytes that do not hash to the name are never committed.
 */
public final class ContentNames {

  /**
   * The host of the URL under which a {@code /sha256/<hex>} object is stored and shared: a name that
   * never resolves ({@code .invalid}, RFC 2606), because such an object has no upstream; the LAN is its
   * only source.
   */
  public static final String LAN_HOST = "sha256.potluck.invalid";

  private static final String PREFIX = "/sha256/";

  private ContentNames() {}

  /** The canonical URL of the object whose SHA-256 is {@code sha256}, as publishing stores it. */
  public static CanonicalUrl lanUrl(Sha256 sha256) {
    return CanonicalUrl.parse("http://" + LAN_HOST + PREFIX + sha256.hex());
  }

  /** Whether {@code url} names an object the LAN alone can supply (see {@link #LAN_HOST}). */
  public static boolean isLanOnly(CanonicalUrl url) {
    return LAN_HOST.equals(url.host());
  }

  /** As {@link #isLanOnly(CanonicalUrl)}, for a canonical URL as text (as the store keeps it). */
  public static boolean isLanOnly(String canonicalUrl) {
    return canonicalUrl.startsWith("http://" + LAN_HOST + "/");
  }

  /**
   * The digest in a client's {@code /sha256/<hex>} path.
   *
   * @throws IllegalArgumentException saying what is wrong with the name
   */
  public static Sha256 parseLanPath(String path) {
    String hex = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : path;
    String digest = hexOrNull(hex);
    if (digest == null) {
      throw new IllegalArgumentException("'" + (hex.length() > 80 ? hex.substring(0, 77) + "..." : hex)
          + "' is not a SHA-256: /sha256/ takes 64 hex digits, as 'potluck publish' prints them");
    }
    return new Sha256(digest);
  }

  /** The digest {@code url}'s name promises, or null when its name promises none. */
  public static Expectation expectationFor(CanonicalUrl url) {
    String path = url.path();
    String hex = byHash(path);
    if (hex == null) {
      hex = hashedRepodata(path);
    }
    if (hex == null) {
      hex = contentAddressed(path);
    }
    return hex == null ? null : new Expectation(new Sha256(hex), -1, Authority.CONTENT_NAME, "its name");
  }

  private static String byHash(String path) {
    int at = path.lastIndexOf("/by-hash/SHA256/");
    return at < 0 ? null : hexOrNull(path.substring(at + "/by-hash/SHA256/".length()));
  }

  /** {@code .../repodata/<64 hex>-<name>}: createrepo's unique-md-filenames with SHA-256 checksums. */
  private static String hashedRepodata(String path) {
    int slash = path.lastIndexOf('/');
    if (slash < 0 || !path.substring(0, slash).endsWith("/repodata")) {
      return null;
    }
    String name = path.substring(slash + 1);
    if (name.length() <= Sha256.HEX_LENGTH + 1 || name.charAt(Sha256.HEX_LENGTH) != '-') {
      return null;
    }
    return hexOrNull(name.substring(0, Sha256.HEX_LENGTH));
  }

  private static String contentAddressed(String path) {
    return path.startsWith(PREFIX) ? hexOrNull(path.substring(PREFIX.length())) : null;
  }

  private static String hexOrNull(String text) {
    if (text.length() != Sha256.HEX_LENGTH) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex) {
        return null;
      }
    }
    return text.toLowerCase(Locale.ROOT);
  }
}
