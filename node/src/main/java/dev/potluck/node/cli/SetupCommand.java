package dev.potluck.node.cli;

import picocli.CommandLine.Command;

/** {@code potluck setup CLIENT}: the configuration that points a package manager at the local node. */
@Command(name = "setup", mixinStandardHelpOptions = true,
    subcommands = {SetupAptCommand.class, SetupDnfCommand.class, SetupPacmanCommand.class, SetupNixCommand.class},
    description = "Print, or with --write install, the configuration that sends a package manager's downloads"
        + " through the local node.")
public final class SetupCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
