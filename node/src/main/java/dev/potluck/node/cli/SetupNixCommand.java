package dev.potluck.node.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code potluck setup nix}: the node's mirror as the first substituter, cache.nixos.org after it. nix
 * skips a substituter it cannot open (a stopped node: a warning) and asks the next one for a path the
 * first failed on (measured with nix 2.8: a refused connection, a 502 for the narinfo);
 * {@code fallback = true} makes it go on to the next one when a download fails part-way too, and a
 * short {@code connect-timeout} keeps a node that does not answer from holding nix up.
 */
@Command(name = "nix", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Print the nix settings that take binary-cache downloads through the local node; with --write,"
        + " add them at the end of nix.conf (where they override earlier settings), in a block marked as"
        + " Potluck's; --undo takes it out.",
        "substituters lists the node first and --upstream after it: nix skips a substituter it cannot reach,"
            + " and with fallback = true goes on to the next when a download fails part-way, so nix keeps working"
            + " while the node is down.",
        "The node must serve the mirror: start it with --mirror NAME=UPSTREAM. A nix daemon reads nix.conf when"
            + " it starts: restart it (systemctl restart nix-daemon). On NixOS, nix.conf is generated: set"
            + " nix.settings in configuration.nix instead."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed, written or removed", "1:the file could not be read or written", "2:bad arguments"})
public final class SetupNixCommand extends SetupBlockCommand {

  public static final String DEFAULT_FILE = "/etc/nix/nix.conf";

  @Option(names = "--file", paramLabel = "FILE", defaultValue = DEFAULT_FILE,
      description = "The nix.conf to edit. Default: ${DEFAULT-VALUE}.")
  Path file;

  @Option(names = "--mirror", paramLabel = "NAME", defaultValue = "nixos",
      description = "The node's mirror name (its --mirror NAME=URL). Default: ${DEFAULT-VALUE}.")
  String mirror;

  @Option(names = "--upstream", paramLabel = "URL", defaultValue = "https://cache.nixos.org",
      description = "The binary cache the node mirrors, which nix uses directly when the node is down."
          + " Default: ${DEFAULT-VALUE}.")
  String upstream;

  @Override
  String client() {
    return "nix";
  }

  @Override
  Path file() {
    return file;
  }

  @Override
  MarkedBlock.Place place() {
    return MarkedBlock.Place.END;
  }

  @Override
  String snippet() {
    return snippet(nodeBase(), mirror, upstream);
  }

  static String snippet(String nodeBase, String mirror, String upstream) {
    return "# The local Potluck node first, the binary cache itself after it: nix skips a substituter it cannot\n"
        + "# reach (the node, while it is down), and with fallback = true also tries the next one when a download\n"
        + "# from the node fails part-way.\n"
        + "substituters = " + nodeBase + "/mirror/" + mirror + "/ " + upstream + "\n"
        + "fallback = true\n"
        + "connect-timeout = 5\n";
  }

  @Override
  String afterWrite() {
    return "nix now asks the node first, and " + upstream + " when the node is down"
        + " (restart nix-daemon if one runs: systemctl restart nix-daemon)";
  }

  @Override
  String nodeNeeds() {
    return "the node must serve the mirror '" + mirror + "': start it with --mirror " + mirror + "=" + upstream
        + " (in /etc/potluck/potluck.conf: mirror = " + mirror + "=" + upstream + ", then restart it)";
  }
}
