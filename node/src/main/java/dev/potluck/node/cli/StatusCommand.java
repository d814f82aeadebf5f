package dev.potluck.node.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code potluck status}: the running node's view of its cluster, as a table. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the running node's view of the cluster: members, addresses, loads, this node marked *.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:shown", "1:no node answers at URL, or the server there is not a Potluck node", "2:bad arguments"})
public final class StatusCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;
  @Mixin NodeOption node;

  @Override
  public Integer call() {
    NodeApi api = NodeApi.at(node.url);
    try {
      String report = StatusReport.render(api.status(), api.optional("/api/v1/swarm"));
      spec.commandLine().getOut().print(report);
      spec.commandLine().getOut().flush();
      return 0;
    } catch (NodeApi.NodeApiException e) {
      spec.commandLine().getErr().println("potluck status: " + e.getMessage());
      return 1;
    }
  }
}
