package dev.potluck.node.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code potluck setup pacman}: a {@code Server} line for the node's mirror, before the mirrorlist's own.
 * pacman tries servers in order and moves to the next when one fails (a refused connection, a 404), so
 * this fails open: while the node is down, or does not serve the mirror, pacman takes the next server.
 */
@Command(name = "pacman", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Print the pacman Server line that takes packages through the local node; with --write, put it"
        + " first in pacman's mirrorlist, in a block marked as Potluck's; --undo takes it out.",
        "pacman moves to the next Server when one fails, so it keeps working while the node is down.",
        "The node must serve the mirror: start it with --mirror NAME=URL (in potluck.conf: mirror = NAME=URL),"
            + " URL being a mirror's base as in the mirrorlist without /$repo/os/$arch. The command prints the"
            + " line for the first Server of the mirrorlist."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed, written or removed", "1:the file could not be read or written", "2:bad arguments"})
public final class SetupPacmanCommand extends SetupBlockCommand {

  /** pacman's mirror list, which every repository of the stock pacman.conf includes. */
  public static final String DEFAULT_FILE = "/etc/pacman.d/mirrorlist";

  private static final String SUFFIX = "/$repo/os/$arch";

  @Option(names = "--file", paramLabel = "FILE", defaultValue = DEFAULT_FILE,
      description = "The mirrorlist to edit. Default: ${DEFAULT-VALUE}.")
  Path file;

  @Option(names = "--mirror", paramLabel = "NAME", defaultValue = "arch",
      description = "The node's mirror name (its --mirror NAME=URL). Default: ${DEFAULT-VALUE}.")
  String mirror;

  @Override
  String client() {
    return "pacman";
  }

  @Override
  Path file() {
    return file;
  }

  @Override
  MarkedBlock.Place place() {
    return MarkedBlock.Place.TOP;
  }

  @Override
  String snippet() {
    return snippet(nodeBase(), mirror);
  }

  /** The block's text: the node first; pacman goes on to the servers below when it fails. */
  static String snippet(String nodeBase, String mirror) {
    return "# The local Potluck node, tried first; pacman takes the next Server when it fails or is down.\n"
        + "Server = " + nodeBase + "/mirror/" + mirror + SUFFIX + "\n";
  }

  @Override
  String afterWrite() {
    return "pacman now asks the node first, and the next Server when the node fails or is down";
  }

  @Override
  String nodeNeeds() {
    String upstream = firstUpstream(file);
    return "the node must serve the mirror '" + mirror + "': start it with --mirror " + mirror + "="
        + (upstream != null ? upstream : "URL")
        + " (in /etc/potluck/potluck.conf: mirror = " + mirror + "=" + (upstream != null ? upstream : "URL")
        + ", then restart it)" + (upstream != null ? "" : ", URL being a mirror's base without " + SUFFIX);
  }

  /** The mirrorlist's first enabled {@code Server} outside Potluck's block, without {@code /$repo/os/$arch}. */
  static String firstUpstream(Path mirrorlist) {
    String text;
    try {
      text = MarkedBlock.remove(Files.readString(mirrorlist));
    } catch (IOException | IllegalStateException | SecurityException e) {
      return null;
    }
    for (String line : text.split("\n")) {
      String t = line.strip();
      int eq = t.indexOf('=');
      if (eq > 0 && t.substring(0, eq).strip().equals("Server")) {
        String url = t.substring(eq + 1).strip();
        if (url.endsWith(SUFFIX)) {
          return url.substring(0, url.length() - SUFFIX.length());
        }
      }
    }
    return null;
  }
}
