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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SetupAptCommandTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void noWrite_printsTheSnippet_andSaysHowToInstallIt() throws IOException {
    Path helper = helper();
    Path file = dir.resolve("30potluck");

    assertEquals(0, run("--helper", helper.toString(), "--file", file.toString()));

    assertEquals(AptSnippet.autoDetect(helper.toString(), true), out.toString());
    assertTrue(err.toString().contains("'potluck setup apt --write' installs it as " + file), err.toString());
    assertTrue(Files.notExists(file));
  }

  @Test
  void write_withHelper_failOpenSnippet() throws IOException {
    Path helper = helper();
    Path file = dir.resolve("30potluck");
    Files.writeString(file, AptSnippet.autoDetect(helper.toString(), false)); // as the package installs it

    assertEquals(0, run("--write", "--helper", helper.toString(), "--file", file.toString()));

    assertEquals(AptSnippet.autoDetect(helper.toString(), true), Files.readString(file));
    assertTrue(out.toString().startsWith("wrote " + file + ": apt now downloads through the node while it answers"),
        out.toString());
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void write_noHelper_plainProxyLine_andSaysAptFailsWhileTheNodeIsDown() throws IOException {
    Path file = dir.resolve("30potluck");

    assertEquals(0, run("--write", "--helper", dir.resolve("none").toString(), "--file", file.toString(),
        "--node", "http://127.0.0.1:9999"));

    assertTrue(Files.readString(file).contains("\nAcquire::http::Proxy \"http://127.0.0.1:9999/\";\n"));
    assertTrue(out.toString().contains("apt fails while the node is down"), out.toString());
  }

  @Test
  void write_folderMissing_exit1_namesTheFile() {
    Path file = dir.resolve("no-such-folder/30potluck");

    assertEquals(1, run("--write", "--file", file.toString()));

    assertTrue(err.toString().startsWith("potluck setup apt: cannot write " + file), err.toString());
  }

  @Test
  void snippets_asAptReadsThem_offUntilWritten() throws Exception {
    assumeTrue(Programs.onPath("apt-config"), "needs apt-config (Debian package apt)");
    Path off = Files.writeString(dir.resolve("off"), AptSnippet.autoDetect("/usr/share/potluck/apt-proxy-detect", false));
    Path on = Files.writeString(dir.resolve("on"), AptSnippet.autoDetect("/usr/share/potluck/apt-proxy-detect", true));

    assertEquals("", aptConfig(off, "Acquire::http::Proxy-Auto-Detect"));
    assertEquals("/usr/share/potluck/apt-proxy-detect", aptConfig(on, "Acquire::http::Proxy-Auto-Detect"));
  }

  /** The value apt gives {@code key} with {@code file} read after its own configuration. */
  private static String aptConfig(Path file, String key) throws Exception {
    Process p = new ProcessBuilder(List.of("apt-config", "-c", file.toString(), "shell", "V", key))
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
    // apt-config shell prints V='value' when the key is set, nothing otherwise.
    return output.isBlank() ? "" : output.strip().replaceAll("^V='(.*)'$", "$1");
  }

  private Path helper() throws IOException {
    Path helper = Files.writeString(dir.resolve("apt-proxy-detect"), "#!/bin/sh\necho DIRECT\n");
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
    return helper;
  }

  private int run(String... args) {
    return new CommandLine(new SetupAptCommand()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args);
  }
}
