package dev.potluck.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** The programs of this machine, for tests that need one and skip without it. */
public final class Programs {

  private Programs() {}

  /** Whether an executable named {@code program} is in a directory of {@code PATH}. */
  public static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
