package dev.potluck.node.cli;

import picocli.CommandLine.Option;

/** The {@code --node URL} option the commands that ask a running node share. */
final class NodeOption {

  @Option(names = "--node", paramLabel = "URL", defaultValue = NodeApi.DEFAULT_URL,
      description = "The node's client listener (its --listen address). Default: ${DEFAULT-VALUE}.")
  String url;
}
