package dev.potluck.node.trust;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.potluck.testkit.Programs;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real repository tools (rpmbuild, createrepo_c, repo-add) for tests, which skip without them. */
public final class Tool {

  private Tool() {}

  /** Skips the calling test (JUnit assumption) unless {@code program} is on PATH. */
  public static void require(String program, String debianPackage) {
    assumeTrue(Programs.onPath(program), program + " is not on PATH (Debian package " + debianPackage
        + "); skipping the tests that build real repositories with it");
  }

  /** Runs {@code command} in {@code dir} with {@code env} added; returns its output, or throws naming it. */
  public static String run(Path dir, Map<String, String> env, String... command) throws IOException {
    Path output = Files.createTempFile("tool", ".log");
    try {
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(output.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      try {
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IOException("timed out: " + List.of(command));
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted running " + List.of(command), e);
      }
      String out = Files.readString(output);
      if (process.exitValue() != 0) {
        throw new IOException(List.of(command) + " exited with " + process.exitValue() + ":\n" + out);
      }
      return out;
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** The first line of {@code program --version} (or of what {@code args} print), for messages. */
  public static String version(String... args) {
    try {
      return run(Path.of("/tmp"), Map.of(), args).lines().findFirst().orElse("?").strip();
    } catch (IOException e) {
      return "?";
    }
  }
}
