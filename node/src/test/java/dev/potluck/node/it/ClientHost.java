package dev.potluck.node.it;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A host of a namespace LAN as its package manager sees it: the namespace it runs in, and a folder of
 * its own for the client's configuration and state. Runs the real client there and tells whether it
 * ran clean.
 */
record ClientHost(String namespace, Path dir) {

  /** What a client prints when something went wrong, even if it recovered. */
  static final Pattern TROUBLE = Pattern.compile("(?i)error|warning|fail|retry|mismatch|corrupt");

  /** A command's exit code, output (its first line the command) and how long it ran. */
  record Run(int exitCode, String output, long millis) {}

  /**
   * Runs {@code command} in this host's namespace, with no input, for at most three minutes, in the C
   * locale (which every Debian has: a missing one is a warning of its own), with {@code env} added.
   */
  Run run(List<String> command, Map<String, String> env) throws Exception {
    Path output = Files.createTempFile(dir, "client", ".log");
    List<String> full = NetworkNamespaces.in(namespace, command);
    ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().put("LC_ALL", "C.UTF-8");
    builder.environment().putAll(env);
    long start = System.nanoTime();
    Process p = builder.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(String.join(" ", full) + " did not finish in 180 s:\n" + Files.readString(output));
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return new Run(p.exitValue(), "$ " + String.join(" ", command) + "\n" + Files.readString(output), millis);
  }

  Run run(List<String> command) throws Exception {
    return run(command, Map.of());
  }

  /**
   * Asserts that each run exited 0 and printed no line about an error, a warning, a failure or a retry;
   * when not, the failure shows {@code context} (the nodes' logs, say) too.
   */
  static void assertClean(String who, List<Run> runs, String context) {
    assertClean(who, runs, context, line -> false);
  }

  /** As above, but lines that {@code expected} accepts are no trouble (a client reporting what the test made happen). */
  static void assertClean(String who, List<Run> runs, String context, Predicate<String> expected) {
    for (Run r : runs) {
      List<String> trouble = r.output().lines().skip(1)
          .filter(l -> TROUBLE.matcher(l).find() && !expected.test(l)).toList();
      if (r.exitCode() != 0 || !trouble.isEmpty()) {
        throw new AssertionError(who + " exited with " + r.exitCode() + ", trouble " + trouble + ":\n" + r.output()
            + "\n" + context);
      }
    }
  }
}
