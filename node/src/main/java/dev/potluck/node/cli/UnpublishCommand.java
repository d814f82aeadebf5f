package dev.potluck.node.cli;

import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code potluck unpublish FILE|SHA256}: the running node stops sharing a published file and drops it. */
@Command(name = "unpublish", mixinStandardHelpOptions = true,
    description = {"Stop sharing a file published with 'potluck publish', named by the file (its SHA-256 is"
        + " computed) or by its SHA-256; the node drops its copy. Copies other hosts took for their own clients stay"
        + " theirs. Only clients on the node's own host may unpublish."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:unpublished, or it was not published", "1:no node answers at URL, or it refused",
        "2:bad arguments"})
public final class UnpublishCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;
  @Mixin NodeOption node;

  @Parameters(paramLabel = "FILE|SHA256", description = "The published file, or its SHA-256 (64 hex digits).")
  String target;

  @Override
  public Integer call() {
    String hex = digestOf(target);
    NodeApi api = NodeApi.at(node.url);
    try {
      api.status();
      boolean dropped = api.unpublish(hex);
      spec.commandLine().getOut().println(dropped ? "unpublished " + hex : hex + " was not published on this node");
      spec.commandLine().getOut().flush();
      return 0;
    } catch (NodeApi.NodeApiException e) {
      spec.commandLine().getErr().println("potluck unpublish: " + e.getMessage());
      return 1;
    }
  }

  /**
   * The SHA-256 {@code target} names: 64 hex digits as they are (unless a file of that name exists), or
   * the digest of the file.
   *
   * @throws IllegalArgumentException when it is neither
   */
  static String digestOf(String target) {
    Path path = Path.of(target);
    if (target.matches("[0-9a-fA-F]{64}") && !Files.exists(path)) {
      return target.toLowerCase(Locale.ROOT);
    }
    if (Files.isDirectory(path)) {
      throw new IllegalArgumentException(target + " is a folder: name one published file, or its SHA-256");
    }
    if (!Files.exists(path)) {
      throw new IllegalArgumentException("'" + target + "' is neither a file nor a SHA-256 (64 hex digits)");
    }
    PublishCommand.checkReadable(path);
    MessageDigest digest = Sha256.newDigest();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(path)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + target + ": " + e.getMessage());
    }
    return Sha256.of(digest).hex();
  }
}
