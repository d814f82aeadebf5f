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

  private ContentNames() {}

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
    return path.startsWith("/sha256/") ? hexOrNull(path.substring("/sha256/".length())) : null;
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
