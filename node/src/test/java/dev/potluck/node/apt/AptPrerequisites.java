package dev.potluck.node.apt;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.security.auth.module.UnixSystem;
import dev.potluck.testkit.Programs;
import java.util.List;

/**
 * Skips, rather than fails, apt tests on machines that cannot run them: they need Debian's tools
 * (packages apt, apt-utils, dpkg-dev, gnupg) and root, since {@code AptGet} runs apt as root.
 */
public final class AptPrerequisites {

  private static final List<String> PROGRAMS =
      List.of("apt-get", "apt-config", "apt-ftparchive", "dpkg-deb", "gpg", "gpgconf");

  private AptPrerequisites() {}

  /** Call from {@code @BeforeAll} or a test; aborts it (skipped) with the reason. */
  public static void assumeMet() {
    List<String> missing = PROGRAMS.stream().filter(p -> !Programs.onPath(p)).toList();
    assumeTrue(
        missing.isEmpty(),
        () -> "apt tests need " + missing + " on PATH (Debian packages apt, apt-utils, "
            + "dpkg-dev, gnupg); skipping");
    assumeTrue(
        isRoot(),
        () -> "apt tests run apt-get as root, but this is user "
            + System.getProperty("user.name") + "; skipping");
  }

  private static boolean isRoot() {
    try {
      return new UnixSystem().getUid() == 0;
    } catch (RuntimeException | LinkageError e) {
      return false; // not a Unix JDK
    }
  }
}
