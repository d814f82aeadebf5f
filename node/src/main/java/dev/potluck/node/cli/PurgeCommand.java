package dev.potluck.node.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code potluck purge URL|KEY}: drops one object from the running node's cache. */
@Command(name = "purge", mixinStandardHelpOptions = true,
    description = {"Drop an object from the running node's cache, named by its URL or its object key (as"
        + " 'potluck dump' shows it). The cluster stops sending requests for it here; other nodes keep their copies."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:purged, or it was not cached", "1:no node answers at URL, or it refused the name",
        "2:bad arguments"})
public final class PurgeCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;
  @Mixin NodeOption node;

  @Parameters(paramLabel = "URL|KEY", description = "The object's URL (as the client asked for it) or its key.")
  String target;

  @Override
  public Integer call() {
    NodeApi api = NodeApi.at(node.url);
    try {
      api.status();
      boolean purged = api.purge(target);
      spec.commandLine().getOut().println(purged ? "purged " + target : target + " was not in the cache");
      spec.commandLine().getOut().flush();
      return 0;
    } catch (NodeApi.NodeApiException e) {
      spec.commandLine().getErr().println("potluck purge: " + e.getMessage());
      return 1;
    }
  }
}
