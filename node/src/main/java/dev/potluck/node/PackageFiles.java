package dev.potluck.node;

import dev.potluck.node.cli.AptSnippet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the files the Debian package takes from the code rather than from a copy that could drift:
 * {@code potluck.conf} (every option of {@code potluck node}, see {@link ConfigTemplate}) and the apt
 * snippet, commented out. The build runs it: {@code PackageFiles OUTPUT-DIR}.
 */
public final class PackageFiles {

  /** What the package sets beyond the built-in defaults: the cache where systemd's CacheDirectory= puts it. */
  static final Map<String, String> PACKAGE_SETTINGS = Map.of("cache-dir", "/var/cache/potluck");

  static final String CONF_HEADER = """
      /etc/potluck/potluck.conf: the settings of the Potluck node that potluck.service runs
      (potluck node --config /etc/potluck/potluck.conf).

      One 'name = value' a line, named as the options of 'potluck node --help' without the dashes;
      '#' starts a comment. A commented-out line shows the option's default; a line without '#' is
      a setting of this package's. Options given on the command line win over this file.
      Sizes take K, M, G, T (binary); durations ms, s, m, h, d; rates bytes per second (12.5M) or
      bits per second (100mbit). After a change: systemctl restart potluck""";

  private PackageFiles() {}

  static String conf() {
    return ConfigTemplate.render(CONF_HEADER, PACKAGE_SETTINGS);
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: PackageFiles OUTPUT-DIR");
      System.exit(2);
    }
    Path out = Files.createDirectories(Path.of(args[0]));
    Files.writeString(out.resolve("potluck.conf"), conf(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("30potluck"), AptSnippet.autoDetect(AptSnippet.DEFAULT_HELPER, false),
        StandardCharsets.UTF_8);
  }
}
