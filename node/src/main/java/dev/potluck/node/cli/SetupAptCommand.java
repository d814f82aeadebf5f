package dev.potluck.node.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code potluck setup apt [--write]}: the apt snippet (see {@link AptSnippet}); printed, or written
 * to {@code /etc/apt/apt.conf.d/30potluck}.
 */
@Command(name = "apt", mixinStandardHelpOptions = true,
    description = {"Print the apt configuration that sends apt's http downloads through the local node; with"
        + " --write, install it. With the package's helper apt asks the node only while it answers, and goes"
        + " direct otherwise, so a stopped node never stops apt."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed or written", "1:the file could not be written", "2:bad arguments"})
public final class SetupAptCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--write", description = "Write it to --file instead of printing it (needs root).")
  boolean write;

  @Option(names = "--file", paramLabel = "FILE", defaultValue = AptSnippet.DEFAULT_FILE,
      description = "Where --write puts it. Default: ${DEFAULT-VALUE}.")
  Path file;

  @Option(names = "--helper", paramLabel = "FILE", defaultValue = AptSnippet.DEFAULT_HELPER,
      description = "The auto-detect helper (the package installs it). Without it the snippet is a plain proxy"
          + " line, and apt fails while the node is down. Default: ${DEFAULT-VALUE}.")
  Path helper;

  @Option(names = "--node", paramLabel = "URL", defaultValue = NodeApi.DEFAULT_URL,
      description = "The node's proxy, for the plain proxy line. Default: ${DEFAULT-VALUE}.")
  String node;

  @Override
  public Integer call() {
    boolean detect = Files.isExecutable(helper);
    String text = detect ? AptSnippet.autoDetect(helper.toString(), true) : AptSnippet.proxy(node, true);
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    if (!write) {
      out.print(text);
      out.flush();
      err.println("potluck setup apt: printed only; 'potluck setup apt --write' installs it as " + file);
      return 0;
    }
    try {
      writeAtomically(file, text);
    } catch (AccessDeniedException e) {
      err.println("potluck setup apt: cannot write " + file + ": permission denied; run it as root"
          + " (sudo potluck setup apt --write)");
      return 1;
    } catch (IOException e) {
      err.println("potluck setup apt: cannot write " + file + ": " + e);
      return 1;
    }
    out.println("wrote " + file + ": " + (detect
        ? "apt now downloads through the node while it answers at its listen address, and directly when it does not"
        : "apt now downloads through " + node + "; with no helper at " + helper
            + ", apt fails while the node is down (delete the file to undo)"));
    out.flush();
    return 0;
  }

  /** A reader (apt) sees the old file or the new one, never half of one. */
  private static void writeAtomically(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
