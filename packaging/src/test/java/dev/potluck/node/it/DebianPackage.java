package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.potluck.node.apt.AptPrerequisites;
import dev.potluck.testkit.Programs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The .deb that the build made, and what installing it does to this machine: dpkg, lintian and
 * systemd-analyze, run for real. Installing touches global state (/usr/bin/potluck, /etc/potluck, a
 * system user), so a test that installs must {@link #purgeIfInstalled} when it ends, whatever happened.
 */
final class DebianPackage {

  static final String NAME = "potluck";
  static final Path UNIT = Path.of("/lib/systemd/system/potluck.service");

  /** Programs the package tests run, and the Debian packages they come from. */
  private static final List<String[]> PROGRAMS = List.of(
      new String[] {"dpkg", "dpkg"}, new String[] {"lintian", "lintian"},
      new String[] {"systemd-analyze", "systemd"}, new String[] {"setpriv", "util-linux"},
      new String[] {"adduser", "adduser"}, new String[] {"ip", "iproute2"}, new String[] {"curl", "curl"});

  private final Path deb;

  private DebianPackage(Path deb) {
    this.deb = deb;
  }

  /** The package the build made; skips, saying what is missing, where the tests cannot run. */
  static DebianPackage built() throws Exception {
    String dir = System.getProperty("potluck.deb.dir");
    assumeTrue(dir != null, "the .deb is built by 'mvn package'; run the package tests through 'mvn verify'");
    List<String> missing = new ArrayList<>();
    for (String[] p : PROGRAMS) {
      if (!Programs.onPath(p[0])) {
        missing.add(p[0] + " (Debian package " + p[1] + ")");
      }
    }
    assumeTrue(missing.isEmpty(), () -> "the package tests need " + missing + "; skipping");
    AptPrerequisites.assumeMet(); // root, and apt's tools for the test repository
    assumeTrue(!isInstalled(), "potluck is already installed on this machine; the package tests install and purge"
        + " their own copy and leave an existing one alone: skipping");
    List<Path> debs = new ArrayList<>();
    try (DirectoryStream<Path> found = Files.newDirectoryStream(Path.of(dir), "potluck_*_all.deb")) {
      found.forEach(debs::add);
    }
    assertEquals(1, debs.size(), "one potluck_*_all.deb in " + dir + ": " + debs);
    return new DebianPackage(debs.get(0));
  }

  Path file() {
    return deb;
  }

  static boolean isInstalled() throws Exception {
    NetworkNamespaces.Result r = NetworkNamespaces.run(List.of("dpkg-query", "-W", "-f=${Status}", NAME));
    return r.exitCode() == 0 && r.output().contains("installed") && !r.output().contains("not-installed");
  }

  /** The paths of the regular files and links the package holds, as dpkg-deb lists them. */
  List<Path> files() throws Exception {
    // dpkg-deb -c prints "mode owner size date time ./path"; the bare tar listing is simpler to read.
    NetworkNamespaces.Result listing = must(List.of("sh", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -t", deb.toString()),
        "listing " + deb);
    List<Path> files = new ArrayList<>();
    for (String line : listing.output().lines().toList()) {
      if (!line.endsWith("/")) {
        files.add(Path.of(line.replaceFirst("^\\./", "/")));
      }
    }
    return files;
  }

  NetworkNamespaces.Result install() throws Exception {
    return must(List.of("dpkg", "-i", deb.toString()), "dpkg -i");
  }

  /** dpkg --purge, when the package is there; safe to call in any state. */
  static NetworkNamespaces.Result purgeIfInstalled() throws Exception {
    NetworkNamespaces.Result r = NetworkNamespaces.run(List.of("dpkg-query", "-W", NAME));
    if (r.exitCode() != 0) {
      return new NetworkNamespaces.Result(0, "not installed");
    }
    return NetworkNamespaces.run(List.of("dpkg", "--purge", NAME));
  }

  static NetworkNamespaces.Result must(List<String> command, String what) throws IOException, InterruptedException {
    NetworkNamespaces.Result r = NetworkNamespaces.run(command);
    assertEquals(0, r.exitCode(), what + " failed:\n" + r.output());
    return r;
  }
}
