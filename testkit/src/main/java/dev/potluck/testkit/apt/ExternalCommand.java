package dev.potluck.testkit.apt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one external program (apt-get, gpg, dpkg-deb...) with a deadline, so a hung tool fails the
 * test instead of hanging the build.
 */
final class ExternalCommand {

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

  /** What a finished, or killed, command left behind. */
  record Outcome(List<String> command, int exitCode, boolean timedOut, String output) {

    boolean succeeded() {
      return exitCode == 0 && !timedOut;
    }

    String describe() {
      String status = timedOut ? "timed out and was killed" : "exited with " + exitCode;
      return "`" + String.join(" ", command) + "` " + status + ", output:\n" + output;
    }
  }

  private final List<String> command;
  // A null value removes the variable from the inherited environment.
  private final Map<String, String> environment = new LinkedHashMap<>();
  private Path workingDirectory;
  private Path stdoutFile;
  private Duration timeout = DEFAULT_TIMEOUT;

  private ExternalCommand(List<String> command) {
    this.command = List.copyOf(command);
  }

  static ExternalCommand of(String... command) {
    return new ExternalCommand(List.of(command));
  }

  static ExternalCommand of(List<String> command) {
    return new ExternalCommand(command);
  }

  ExternalCommand env(String name, String value) {
    environment.put(name, value);
    return this;
  }

  ExternalCommand in(Path directory) {
    workingDirectory = directory;
    return this;
  }

  /** Sends stdout to a file (e.g. apt-ftparchive's index); the outcome then holds stderr only. */
  ExternalCommand stdoutTo(Path file) {
    stdoutFile = file;
    return this;
  }

  ExternalCommand timeout(Duration value) {
    timeout = value;
    return this;
  }

  /** Runs the command and reports how it ended; never throws because of the exit code. */
  Outcome run() throws IOException {
    // Output goes to a file rather than a pipe: nothing to drain, so no deadlock on chatty tools.
    Path log = Files.createTempFile("potluck-cmd", ".log");
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      environment.forEach(
          (name, value) -> {
            if (value == null) {
              builder.environment().remove(name);
            } else {
              builder.environment().put(name, value);
            }
          });
      if (workingDirectory != null) {
        builder.directory(workingDirectory.toFile());
      }
      // No tool may ever wait for an answer on stdin.
      builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      if (stdoutFile != null) {
        builder.redirectOutput(stdoutFile.toFile());
        builder.redirectError(log.toFile());
      } else {
        builder.redirectErrorStream(true);
        builder.redirectOutput(log.toFile());
      }
      Process process = builder.start();
      boolean finished;
      try {
        finished = process.waitFor(timeout.toMillis(), MILLISECONDS);
      } catch (InterruptedException e) {
        kill(process);
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while running " + command);
      }
      if (!finished) {
        kill(process);
      }
      // Decoding leniently: a tool's output must never hide the tool's failure.
      String output = new String(Files.readAllBytes(log), UTF_8);
      return new Outcome(command, finished ? process.exitValue() : -1, !finished, output);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** Runs the command; throws, naming the command and its output, unless it exits with 0. */
  Outcome check() throws IOException {
    Outcome outcome = run();
    if (!outcome.succeeded()) {
      throw new IOException(outcome.describe());
    }
    return outcome;
  }

  // apt forks one process per download method; kill those too, or they outlive the test.
  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
