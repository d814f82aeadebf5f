package dev.potluck.node.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code potluck setup dnf|pacman|nix}: a client whose configuration file is its own, not a drop-in of
 * Potluck's. The snippet goes into that file as a {@link MarkedBlock}: printed, or with {@code --write}
 * put in (again: replaced where it is), or with {@code --undo} taken out, the rest of the file untouched.
 */
abstract class SetupBlockCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--write", description = "Put the snippet into --file (needs root). Running it again replaces"
      + " Potluck's block, so the file holds one copy; the rest of the file is left as it was.")
  boolean write;

  @Option(names = "--undo", description = "Take Potluck's block out of --file again (needs root).")
  boolean undo;

  @Option(names = "--node", paramLabel = "URL", defaultValue = NodeApi.DEFAULT_URL,
      description = "The node's client listener (its --listen). Default: ${DEFAULT-VALUE}.")
  String node;

  /** The client's name, as in {@code potluck setup NAME}. */
  abstract String client();

  /** The file {@code --write} edits. */
  abstract Path file();

  /** The snippet's lines, without markers. */
  abstract String snippet();

  abstract MarkedBlock.Place place();

  /** One line for the user after a write: what the client now does, and what it needs from the node. */
  abstract String afterWrite();

  /** Said after printing, and after writing: what the node must be started with, or null. */
  String nodeNeeds() {
    return null;
  }

  /** The node's URL without a trailing slash. */
  final String nodeBase() {
    return NodeApi.parse(node).toString();
  }

  @Override
  public final Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    String name = "potluck setup " + client();
    if (write && undo) {
      err.println(name + ": --write and --undo exclude each other");
      return 2;
    }
    try {
      NodeApi.parse(node);
    } catch (IllegalArgumentException e) {
      err.println(name + ": " + e.getMessage());
      return 2;
    }
    Path file = file();
    if (!write && !undo) {
      out.print(MarkedBlock.wrap(client(), snippet()));
      out.flush();
      if (nodeNeeds() != null) {
        err.println(name + ": " + nodeNeeds());
      }
      err.println(name + ": printed only; '" + name + " --write' puts it into " + file);
      return 0;
    }
    String before;
    try {
      before = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      err.println(name + ": cannot read " + file + ": no such file; is " + client() + " installed? (--file FILE names"
          + " another)");
      return 1;
    } catch (AccessDeniedException e) {
      err.println(name + ": cannot read " + file + ": permission denied; run it as root (sudo " + name + ")");
      return 1;
    } catch (IOException e) {
      err.println(name + ": cannot read " + file + ": " + e);
      return 1;
    }
    String after;
    try {
      after = undo ? MarkedBlock.remove(before) : MarkedBlock.put(before, MarkedBlock.wrap(client(), snippet()), place());
    } catch (IllegalStateException e) {
      err.println(name + ": " + file + ": " + e.getMessage());
      return 1;
    }
    if (after.equals(before)) {
      out.println(file + " unchanged: " + (undo ? "it holds no Potluck block" : "it already holds this block"));
      out.flush();
      return 0;
    }
    try {
      writeAtomically(file, after);
    } catch (AccessDeniedException e) {
      err.println(name + ": cannot write " + file + ": permission denied; run it as root (sudo " + name
          + (undo ? " --undo" : " --write") + ")");
      return 1;
    } catch (IOException e) {
      err.println(name + ": cannot write " + file + ": " + e);
      return 1;
    }
    if (undo) {
      out.println("removed Potluck's block from " + file + "; " + client() + " no longer uses the node");
    } else {
      out.println("wrote " + file + ": " + afterWrite());
      if (nodeNeeds() != null) {
        out.println(nodeNeeds());
      }
    }
    out.flush();
    return 0;
  }

  /**
   * A reader (the package manager) sees the old file or the new one, never half of one. The file keeps
   * its permissions; a symbolic link (NixOS's generated nix.conf) is refused, not replaced.
   */
  private static void writeAtomically(Path file, String text) throws IOException {
    if (Files.isSymbolicLink(file)) {
      throw new IOException("it is a symbolic link (to " + Files.readSymbolicLink(file) + "), managed elsewhere;"
          + " add the snippet where that file is generated");
    }
    Path dir = file.toAbsolutePath().getParent();
    var mode = Files.getPosixFilePermissions(file);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(tmp, mode);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

}
