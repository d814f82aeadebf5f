package dev.potluck.node;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The running build: its version and the commit it was built from, as the build wrote them into
 * {@code build.properties}, and the Java runtime it runs on. A build outside a git checkout (a source
 * tarball) has no commit and says "unknown".
 */
public final class Version {

  private static final Properties BUILD = load();

  private Version() {}

  /** The project version, such as {@code 0.1.0} or {@code 0.1.0-SNAPSHOT}; "dev" when unknown. */
  public static String current() {
    return value("version", "dev");
  }

  /** The abbreviated id of the commit built; "unknown" without git. */
  public static String commit() {
    return value("commit", "unknown");
  }

  /** The Java runtime, as {@code 17.0.15+6-Debian-1deb12u1 (Debian, OpenJDK 64-Bit Server VM)}. */
  public static String runtime() {
    return System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ", "
        + System.getProperty("java.vm.name") + ")";
  }

  /** The lines {@code --version} prints. */
  static String[] describe() {
    return new String[] {
        "potluck " + current(),
        "commit " + commit(),
        "java " + runtime(),
    };
  }

  private static String value(String key, String fallback) {
    String v = BUILD.getProperty(key);
    // An unfilled placeholder means the build did not know (no git, or classes built by an IDE).
    return v == null || v.isBlank() || v.startsWith("${") ? fallback : v;
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // Unreadable build information only makes --version say less.
    }
    return p;
  }
}
