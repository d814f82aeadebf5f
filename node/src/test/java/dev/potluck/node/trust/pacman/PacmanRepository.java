package dev.potluck.node.trust.pacman;

import dev.potluck.node.trust.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Real pacman repositories for tests: tiny packages made by hand (a {@code .PKGINFO} and a random,
 * incompressible payload, archived by {@code bsdtar} as makepkg does; makepkg itself refuses to run as
 * root) and a database written by the real {@code repo-add}.
 */
public final class PacmanRepository {

  /** name, pkgver (with epoch and pkgrel), payload bytes, archive suffix, and the packages it depends on. */
  public record Spec(String name, String version, int payload, String suffix, List<String> depends) {
    public Spec(String name, String version, int payload, String suffix) {
      this(name, version, payload, suffix, List.of());
    }

    public String fileName() {
      return name + "-" + version + "-any" + suffix;
    }
  }

  static final List<Spec> SPECS = List.of(
      new Spec("alpha", "1:1.0-1", 3000, ".pkg.tar.zst"),
      new Spec("beta", "2.0-1", 5000, ".pkg.tar.gz"),
      new Spec("gamma", "3.0-2", 7000, ".pkg.tar.zst"));

  private PacmanRepository() {}

  /** Builds the packages of {@code specs} into {@code dir}; returns their files, in the same order. */
  public static List<Path> buildPackages(Path dir, List<Spec> specs, long seed) throws IOException {
    Tool.require("bsdtar", "libarchive-tools");
    Files.createDirectories(dir);
    Random random = new Random(seed);
    List<Path> out = new ArrayList<>();
    for (Spec s : specs) {
      Path tree = Files.createTempDirectory(dir, "tree");
      Path data = tree.resolve("usr/share/" + s.name() + "/payload");
      Files.createDirectories(data.getParent());
      byte[] payload = new byte[s.payload()];
      random.nextBytes(payload);
      Files.write(data, payload);
      Files.writeString(tree.resolve(".PKGINFO"), "pkgname = " + s.name() + "\npkgbase = " + s.name()
          + "\npkgver = " + s.version() + "\npkgdesc = a test package\nurl = https://example.org/\n"
          + "builddate = 1700000000\npackager = Test <test@example.org>\nsize = " + s.payload()
          + "\narch = any\nlicense = MIT\n"
          + s.depends().stream().map(d -> "depend = " + d + "\n").collect(Collectors.joining()));
      Path pkg = dir.resolve(s.fileName());
      String compression = s.suffix().endsWith(".zst") ? "--zstd" : "--gzip";
      Tool.run(tree, Map.of(), "bsdtar", "-c", compression, "-f", pkg.toString(), ".PKGINFO", "usr");
      out.add(pkg);
    }
    return out;
  }

  /**
   * Runs {@code repo-add} on {@code packages} for the database {@code dir/<dbFile>} (its name chooses the
   * compression, as in {@code test.db.tar.zst}); {@code signer} non-null signs it with that key in
   * {@code gnupgHome}.
   */
  public static void repoAdd(Path dir, String dbFile, List<Path> packages, Path gnupgHome, String signer) throws IOException {
    Tool.require("repo-add", "pacman-package-manager and makepkg");
    List<String> command = new ArrayList<>(List.of("repo-add", "--quiet", "--nocolor"));
    if (signer != null) {
      command.addAll(List.of("--sign", "--key", signer));
    }
    command.add(dir.resolve(dbFile).toString());
    packages.forEach(p -> command.add(p.toString()));
    Tool.run(dir, gnupgHome == null ? Map.of() : Map.of("GNUPGHOME", gnupgHome.toString()),
        command.toArray(String[]::new));
  }
}
