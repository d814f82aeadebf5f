package dev.potluck.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.potluck.testkit.Programs;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code potluck setup dnf|pacman|nix}: the snippets, and --write/--undo on files in a temporary folder. */
class SetupClientCommandsTest {

  private static final String MIRRORLIST = "##\n## Arch Linux repository mirrorlist\n##\n"
      + "#Server = https://off.example/archlinux/$repo/os/$arch\n"
      + "Server = https://geo.mirror.pkgbuild.com/$repo/os/$arch\n"
      + "Server = https://second.example/$repo/os/$arch\n";
  private static final String NIX_CONF = "build-users-group = nixbld\nsubstituters = https://mine.example\n";
  private static final String DNF_CONF = "# see `man dnf.conf`\n\n[main]\ngpgcheck=True\nbest=False\n\n"
      + "[local]\nname=local\nbaseurl=http://repo.example/\n";

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void pacman_snippet_serverLineForTheNodesMirror() {
    assertEquals("# The local Potluck node, tried first; pacman takes the next Server when it fails or is down.\n"
            + "Server = http://127.0.0.1:7878/mirror/arch/$repo/os/$arch\n",
        SetupPacmanCommand.snippet("http://127.0.0.1:7878", "arch"));
  }

  @Test
  void pacman_print_saysWhichMirrorTheNodeNeeds_fromTheMirrorlist() throws IOException {
    Path file = Files.writeString(dir.resolve("mirrorlist"), MIRRORLIST);

    assertEquals(0, run(new SetupPacmanCommand(), "--file", file.toString(), "--node", "http://127.0.0.1:9999/"));

    assertEquals(MarkedBlock.wrap("pacman", SetupPacmanCommand.snippet("http://127.0.0.1:9999", "arch")), out.toString());
    assertTrue(err.toString().contains("start it with --mirror arch=https://geo.mirror.pkgbuild.com "), err.toString());
    assertEquals(MIRRORLIST, Files.readString(file));
  }

  @Test
  void pacman_write_firstServer_twiceOneCopy_undoRestores() throws IOException {
    Path file = Files.writeString(dir.resolve("mirrorlist"), MIRRORLIST);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

    assertEquals(0, run(new SetupPacmanCommand(), "--write", "--file", file.toString(), "--mirror", "archlinux"));
    String written = Files.readString(file);
    assertEquals(0, run(new SetupPacmanCommand(), "--write", "--file", file.toString(), "--mirror", "archlinux"));

    assertEquals(written, Files.readString(file));
    assertEquals(MarkedBlock.wrap("pacman", SetupPacmanCommand.snippet("http://127.0.0.1:7878", "archlinux"))
        + MIRRORLIST, written);
    assertTrue(out.toString().contains("unchanged: it already holds this block"), out.toString());
    assertTrue(out.toString().contains("--mirror archlinux=https://geo.mirror.pkgbuild.com"), out.toString());
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

    assertEquals(0, run(new SetupPacmanCommand(), "--undo", "--file", file.toString()));
    assertEquals(MIRRORLIST, Files.readString(file));
    assertEquals(0, run(new SetupPacmanCommand(), "--undo", "--file", file.toString()));
    assertTrue(out.toString().contains("unchanged: it holds no Potluck block"), out.toString());
  }

  @Test
  void nix_snippet_nodeFirst_upstreamAfter_fallback() {
    String text = SetupNixCommand.snippet("http://127.0.0.1:7878", "nixos", "https://cache.nixos.org");

    assertTrue(text.contains("\nsubstituters = http://127.0.0.1:7878/mirror/nixos/ https://cache.nixos.org\n"), text);
    assertTrue(text.contains("\nfallback = true\n"), text);
    assertTrue(text.contains("\nconnect-timeout = 5\n"), text);
  }

  @Test
  void nix_write_atTheEnd_overridingEarlierSettings_undoRestores() throws IOException {
    Path file = Files.writeString(dir.resolve("nix.conf"), NIX_CONF);

    assertEquals(0, run(new SetupNixCommand(), "--write", "--file", file.toString()));
    assertEquals(0, run(new SetupNixCommand(), "--write", "--file", file.toString()));

    assertEquals(NIX_CONF + MarkedBlock.wrap("nix",
        SetupNixCommand.snippet("http://127.0.0.1:7878", "nixos", "https://cache.nixos.org")), Files.readString(file));
    assertTrue(out.toString().contains("--mirror nixos=https://cache.nixos.org"), out.toString());
    assertEquals(0, run(new SetupNixCommand(), "--undo", "--file", file.toString()));
    assertEquals(NIX_CONF, Files.readString(file));
  }

  @Test
  void dnf_write_endOfMain_twiceOneCopy_undoRestores() throws IOException {
    Path file = Files.writeString(dir.resolve("dnf.conf"), DNF_CONF);

    assertEquals(0, run(new SetupDnfCommand(), "--write", "--file", file.toString()));
    assertEquals(0, run(new SetupDnfCommand(), "--write", "--file", file.toString()));

    assertEquals("# see `man dnf.conf`\n\n[main]\ngpgcheck=True\nbest=False\n"
        + MarkedBlock.wrap("dnf", SetupDnfCommand.snippet("http://127.0.0.1:7878"))
        + "\n[local]\nname=local\nbaseurl=http://repo.example/\n", Files.readString(file));
    assertTrue(out.toString().contains("while the node is down dnf cannot download"), out.toString());
    assertEquals(0, run(new SetupDnfCommand(), "--undo", "--file", file.toString()));
    assertEquals(DNF_CONF, Files.readString(file));
  }

  @Test
  void write_missingFile_exit1_namesIt_createsNothing() {
    Path file = dir.resolve("pacman.d/mirrorlist");

    assertEquals(1, run(new SetupPacmanCommand(), "--write", "--file", file.toString()));

    assertTrue(err.toString().startsWith("potluck setup pacman: cannot read " + file + ": no such file"), err.toString());
    assertTrue(Files.notExists(file));
  }

  @Test
  void write_readOnlyFolder_exit1_fileUntouched() throws IOException {
    assumeTrue(!"root".equals(System.getProperty("user.name")), "root may write into a read-only folder");
    Path sub = Files.createDirectories(dir.resolve("ro"));
    Path file = Files.writeString(sub.resolve("nix.conf"), NIX_CONF);
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      assertEquals(1, run(new SetupNixCommand(), "--write", "--file", file.toString()));
      assertTrue(err.toString().startsWith("potluck setup nix: cannot write " + file), err.toString());
      assertEquals(NIX_CONF, Files.readString(file));
    } finally {
      Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void write_symlink_refused() throws IOException {
    Path target = Files.writeString(dir.resolve("generated.conf"), NIX_CONF);
    Path file = Files.createSymbolicLink(dir.resolve("nix.conf"), target);

    assertEquals(1, run(new SetupNixCommand(), "--write", "--file", file.toString()));

    assertTrue(err.toString().contains("symbolic link"), err.toString());
    assertEquals(NIX_CONF, Files.readString(target));
  }

  @Test
  void write_unterminatedBlock_exit1_fileUntouched() throws IOException {
    String broken = "# BEGIN potluck\nproxy=http://x/\n";
    Path file = Files.writeString(dir.resolve("dnf.conf"), "[main]\n" + broken);

    assertEquals(1, run(new SetupDnfCommand(), "--write", "--file", file.toString()));

    assertTrue(err.toString().contains("fix the file by hand"), err.toString());
    assertEquals("[main]\n" + broken, Files.readString(file));
  }

  @Test
  void writeAndUndo_together_exit2() {
    assertEquals(2, run(new SetupDnfCommand(), "--write", "--undo", "--file", dir.resolve("x").toString()));
  }

  @Test
  void badNodeUrl_exit2() {
    assertEquals(2, run(new SetupDnfCommand(), "--node", "127.0.0.1:7878"));
    assertTrue(err.toString().contains("did you mean http://127.0.0.1:7878"), err.toString());
  }

  // ---- the real clients read what was written (each skipped when the client is not installed)

  @Test
  void pacman_asPacmanConfReadsIt_nodeFirst() throws Exception {
    assumeTrue(Programs.onPath("pacman-conf"), "needs pacman-conf (Debian package pacman-package-manager)");
    Path mirrorlist = Files.writeString(dir.resolve("mirrorlist"), MIRRORLIST);
    Path conf = Files.writeString(dir.resolve("pacman.conf"),
        "[options]\nArchitecture = x86_64\n[core]\nInclude = " + mirrorlist + "\n");
    assertEquals(0, run(new SetupPacmanCommand(), "--write", "--file", mirrorlist.toString()));

    assertEquals("http://127.0.0.1:7878/mirror/arch/core/os/x86_64\n"
            + "https://geo.mirror.pkgbuild.com/core/os/x86_64\nhttps://second.example/core/os/x86_64\n",
        runTool(Map.of(), "pacman-conf", "--config", conf.toString(), "--repo", "core", "Server"));
  }

  @Test
  void nix_asNixReadsIt_blockOverridesEarlierSubstituters() throws Exception {
    assumeTrue(Programs.onPath("nix"), "needs nix (Debian package nix-bin)");
    Path file = Files.writeString(dir.resolve("nix.conf"), NIX_CONF);
    assertEquals(0, run(new SetupNixCommand(), "--write", "--file", file.toString()));

    String config = runTool(Map.of("NIX_CONF_DIR", dir.toString()),
        "nix", "--extra-experimental-features", "nix-command", "show-config");

    assertTrue(config.contains("\nsubstituters = http://127.0.0.1:7878/mirror/nixos/ https://cache.nixos.org\n"), config);
    assertTrue(config.contains("\nfallback = true\n"), config);
    assertTrue(config.contains("\nconnect-timeout = 5\n"), config);
  }

  @Test
  void dnf_asDnfReadsIt_proxyInMain() throws Exception {
    assumeTrue(Programs.onPath("dnf"), "needs dnf (Debian package dnf)");
    Path file = Files.writeString(dir.resolve("dnf.conf"), DNF_CONF);
    assertEquals(0, run(new SetupDnfCommand(), "--write", "--file", file.toString()));

    // dnf's own Python API, as /usr/bin/dnf runs it, reads the file the way dnf does.
    String python = Files.readAllLines(Path.of("/usr/bin/dnf")).get(0).replaceFirst("^#!\\s*", "").split(" ")[0];
    String proxy = runTool(Map.of(), python, "-c",
        "import dnf\nb = dnf.Base()\nb.conf.read('" + file + "')\nprint(b.conf.proxy)");

    assertEquals("http://127.0.0.1:7878/\n", proxy);
  }

  private static String runTool(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(false);
    pb.environment().putAll(env);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    String errors = new String(p.getErrorStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output + errors);
    return output;
  }

  private int run(Object command, String... args) {
    return new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
  }
}
