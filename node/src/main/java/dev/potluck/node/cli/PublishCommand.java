package dev.potluck.node.cli;

import dev.potluck.node.config.DurationText;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code potluck publish FILE}: the running node stores a copy of FILE under its SHA-256 and shares it
 * on the LAN as {@code /sha256/<hex>}, Passim-style, within a max age and a max share count.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = {"Share a file on the LAN under its SHA-256: the running node stores a copy (later changes to"
        + " FILE do not touch it) and every node of the cluster can then serve it at /sha256/<hex>, taking it from"
        + " this one. Only clients on the node's own host may publish."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:published", "1:no node answers at URL, or it refused the file", "2:bad arguments"})
public final class PublishCommand implements Callable<Integer> {

  /** Passim's defaults: a day, and five peers. */
  static final String DEFAULT_MAX_AGE = "1d";
  static final int DEFAULT_MAX_SHARES = 5;

  @Spec CommandLine.Model.CommandSpec spec;
  @Mixin NodeOption node;

  @Parameters(paramLabel = "FILE", description = "The file to share.")
  Path file;

  @Option(names = "--max-age", paramLabel = "D", defaultValue = DEFAULT_MAX_AGE,
      description = "How long it is shared (then the node drops it): 90s, 30m, 12h, 7d. Default: ${DEFAULT-VALUE}.")
  String maxAge;

  @Option(names = "--max-shares", paramLabel = "N", defaultValue = "" + DEFAULT_MAX_SHARES,
      description = "How many times peers may be served it (then it is no longer offered); 0 for no limit."
          + " Default: ${DEFAULT-VALUE}.")
  int maxShares;

  @Override
  public Integer call() {
    Duration age = maxAge(maxAge);
    if (maxShares < 0) {
      throw new IllegalArgumentException("--max-shares: must be 0 (no limit) or more, not " + maxShares);
    }
    checkReadable(file);
    NodeApi api = NodeApi.at(node.url);
    try {
      api.status();
      JsonObject answer = api.publish(file, age.toSeconds(), maxShares);
      String hex = answer.getString("sha256");
      long most = StatusReport.number(answer, "maxShares");
      var out = spec.commandLine().getOut();
      out.println("published " + file + " (" + StatusReport.bytes(StatusReport.number(answer, "size")) + "), shared for "
          + DumpReport.duration(StatusReport.number(answer, "maxAge")) + " (until " + answer.getString("expiresAt")
          + "), " + (most == 0 ? "with no limit on shares" : "at most " + most + " times"));
      out.println("sha256 " + hex);
      out.println("url    " + api.base() + "/sha256/" + hex);
      out.flush();
      return 0;
    } catch (NodeApi.NodeApiException e) {
      spec.commandLine().getErr().println("potluck publish: " + e.getMessage());
      return 1;
    }
  }

  /** {@code --max-age}'s value, more than 0 and a whole number of seconds. */
  static Duration maxAge(String text) {
    Duration age;
    try {
      age = DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--max-age: " + e.getMessage());
    }
    if (age.toSeconds() <= 0) {
      throw new IllegalArgumentException("--max-age: must be at least 1s, not '" + text + "'");
    }
    return age;
  }

  /**
   * Checks that {@code file} is a regular file this process can read (its first byte, so that a file
   * that refuses even root is caught too).
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static void checkReadable(Path file) {
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(file + ": no such file");
    }
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(file + " is a folder: publish one file at a time");
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + " is not a regular file");
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      channel.read(ByteBuffer.allocate(1));
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException("cannot read " + file + ": permission denied");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    }
  }
}
