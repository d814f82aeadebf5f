package dev.potluck.node;

import dev.potluck.node.cli.DumpCommand;
import dev.potluck.node.cli.PublishCommand;
import dev.potluck.node.cli.PurgeCommand;
import dev.potluck.node.cli.SetupCommand;
import dev.potluck.node.cli.StatusCommand;
import dev.potluck.node.cli.UnpublishCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code potluck} command. */
@Command(name = "potluck", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
    subcommands = {NodeCommand.class, StatusCommand.class, DumpCommand.class, PurgeCommand.class,
        SetupCommand.class, PublishCommand.class, UnpublishCommand.class},
    description = "Cooperative download sharing for a LAN: each file crosses the internet link once.")
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    Logging.install();
    System.exit(run(args));
  }

  static int run(String... args) {
    return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
  }

  /** Runs the command line, printing to {@code out} and {@code err}; returns the exit code. */
  static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main()).setOut(out).setErr(err);
    // Every command's -V names the version, not only the top level's.
    provideVersion(cli);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        commandLine.getErr().println("potluck: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cli.execute(args);
  }

  private static void provideVersion(CommandLine command) {
    command.getSubcommands().values().forEach(c -> {
      c.getCommandSpec().versionProvider(new VersionProvider());
      provideVersion(c);
    });
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return Version.describe();
    }
  }
}
