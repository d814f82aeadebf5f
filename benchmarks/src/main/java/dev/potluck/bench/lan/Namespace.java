package dev.potluck.bench.lan;

import dev.potluck.bench.harness.Cleanup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Linux network namespace by name, and the commands run in it ({@code ip netns exec NAME ...}).
 * {@code ip netns exec} replaces itself with the command, so a started process's PID is the command's.
 */
public record Namespace(String name) {

  /** What a finished command printed (stdout and stderr together) and its exit status. */
  public record Result(int exitCode, String output) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  /** {@code command} prefixed to run inside this namespace. */
  public List<String> command(List<String> command) {
    List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", name));
    out.addAll(command);
    return out;
  }

  /** Runs {@code command} inside this namespace and waits for it, at most {@code timeout}. */
  public Result run(Cleanup cleanup, Duration timeout, String... command) throws IOException, InterruptedException {
    return root(cleanup, timeout, command(List.of(command)));
  }

  /** As {@link #run}, failing with the command's output unless it exits 0. */
  public String must(Cleanup cleanup, Duration timeout, String... command) throws IOException, InterruptedException {
    return check(command(List.of(command)), run(cleanup, timeout, command));
  }

  /** Runs {@code command} in the benchmark's own namespace and waits for it, at most {@code timeout}. */
  public static Result root(Cleanup cleanup, Duration timeout, List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    cleanup.register(p);
    try {
      // Read on another thread, so a command that never exits cannot hold this one past the timeout.
      CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          return "(output unreadable: " + e + ")";
        }
      });
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
      }
      return new Result(p.exitValue(), output.join());
    } finally {
      cleanup.stop(p, 1_000);
    }
  }

  /** As {@link #root}, failing with the command's output unless it exits 0. */
  public static String mustRoot(Cleanup cleanup, Duration timeout, String... command) throws IOException, InterruptedException {
    List<String> list = List.of(command);
    return check(list, root(cleanup, timeout, list));
  }

  private static String check(List<String> command, Result r) throws IOException {
    if (!r.ok()) {
      throw new IOException(String.join(" ", command) + " failed (exit " + r.exitCode() + "): " + r.output().trim());
    }
    return r.output();
  }
}
