package dev.potluck.node.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code potluck dump}: the objects in the running node's cache. */
@Command(name = "dump", mixinStandardHelpOptions = true,
    description = "List the objects in the running node's cache: size, times, holders, SHA-256 and URL.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:listed", "1:no node answers at URL, or the server there is not a Potluck node", "2:bad arguments"})
public final class DumpCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;
  @Mixin NodeOption node;

  @Override
  public Integer call() {
    NodeApi api = NodeApi.at(node.url);
    try {
      // The status first: it tells a Potluck node from any other server with clearer words.
      api.status();
      spec.commandLine().getOut().print(DumpReport.render(api.objects()));
      spec.commandLine().getOut().flush();
      return 0;
    } catch (NodeApi.NodeApiException e) {
      spec.commandLine().getErr().println("potluck dump: " + e.getMessage());
      return 1;
    }
  }
}
