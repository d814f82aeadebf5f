package dev.potluck.scheduler.freshness;

import java.util.Locale;

/**
 * Whether an object can change under the same URL. Package files, by-hash indexes and Potluck's
 * content-addressed {@code /sha256/<hex>} objects never do, so they
 * are kept until evicted; everything else (InRelease, Packages, repomd.xml, pacman's *.db, narinfo, and
 * anything not recognised) is metadata, served only while fresh.
 */
public enum ObjectKind {
  IMMUTABLE,
  METADATA;

  /**
   * Classifies an upstream path, with its query if any (percent-decoding is not needed: none of the
   * patterns contain escapes). Unknown names, and anything with a query, which can make the answer
   * dynamic, are metadata: treating a mutable file as immutable would serve stale data for ever, the
   * reverse only costs a revalidation.
   */
  public static ObjectKind ofPath(String path) {
    if (path.indexOf('?') >= 0) {
      return METADATA;
    }
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.contains("/by-hash/") || lower.startsWith("/sha256/")) {
      // Both name the content by its SHA-256: the bytes behind such a name never change.
      return IMMUTABLE;
    }
    String name = lower.substring(lower.lastIndexOf('/') + 1);
    if (name.endsWith(".deb") || name.endsWith(".udeb") || name.endsWith(".ddeb")
        || name.endsWith(".rpm") || name.endsWith(".drpm")
        || name.contains(".pkg.tar.")
        || isNar(name)) {
      return IMMUTABLE;
    }
    return METADATA;
  }

  /** {@code x.nar}, {@code x.nar.xz}, {@code x.nar.zst}, ... but not {@code x.narinfo}. */
  private static boolean isNar(String name) {
    return name.endsWith(".nar") || name.contains(".nar.");
  }
}
