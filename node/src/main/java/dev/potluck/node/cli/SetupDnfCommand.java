package dev.potluck.node.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code potluck setup dnf}: {@code proxy=} in dnf.conf's {@code [main]}, for every repository at once.
 * dnf has no fallback from a proxy to a direct connection: while the node is down, dnf fails to
 * download. The fail-open form is per repository, a {@code baseurl=} list with the node's mirror first
 * (dnf tries the next URL when one fails); the README shows it.
 */
@Command(name = "dnf", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Print the dnf setting that takes every http repository's downloads through the local node;"
        + " with --write, put it at the end of [main] in dnf.conf, in a block marked as Potluck's; --undo takes"
        + " it out.",
        "Caveat: dnf never falls back from a proxy to a direct connection, so while the node is down dnf"
            + " cannot download (run 'dnf --setopt=proxy= ...' to go direct once, or --undo). To fail open,"
            + " list the node's mirror first in a repository's baseurl= instead (see the README)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:printed, written or removed", "1:the file could not be read or written", "2:bad arguments"})
public final class SetupDnfCommand extends SetupBlockCommand {

  public static final String DEFAULT_FILE = "/etc/dnf/dnf.conf";

  @Option(names = "--file", paramLabel = "FILE", defaultValue = DEFAULT_FILE,
      description = "The dnf.conf to edit. Default: ${DEFAULT-VALUE}.")
  Path file;

  @Override
  String client() {
    return "dnf";
  }

  @Override
  Path file() {
    return file;
  }

  @Override
  MarkedBlock.Place place() {
    return MarkedBlock.Place.END_OF_MAIN;
  }

  @Override
  String snippet() {
    return snippet(nodeBase());
  }

  static String snippet(String nodeBase) {
    return "# dnf's http downloads go through the local Potluck node. Not fail-open: while the node is down,\n"
        + "# dnf cannot download ('dnf --setopt=proxy= ...' goes direct once).\n"
        + "proxy=" + nodeBase + "/\n";
  }

  @Override
  String afterWrite() {
    return "dnf now downloads http repositories through " + nodeBase() + "/; while the node is down dnf cannot"
        + " download ('dnf --setopt=proxy= ...' goes direct once; 'potluck setup dnf --undo' removes the setting)";
  }
}
