package dev.potluck.bench.harness;

import dev.potluck.testkit.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Everything the benchmark started or created that must not outlive it: child processes (stopped by PID,
 * with their descendants), teardown actions (such as deleting network namespaces) and temporary
 * directories, released in that order. Each owner releases its own in a finally block;
 * the JVM shutdown hook installed by {@link #installShutdownHook} releases whatever is left, so a
 * Ctrl-C, a watchdog exit or an exception leaves nothing behind.
 */
public final class Cleanup {

  private final Set<Process> processes = new LinkedHashSet<>();
  private final Set<Path> directories = new LinkedHashSet<>();
  private final Set<Runnable> actions = new LinkedHashSet<>();
  private boolean shuttingDown;

  public void installShutdownHook() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::releaseAll, "bench-cleanup"));
  }

  /** Tracks {@code process}; one started while the JVM is shutting down is stopped at once. */
  public void register(Process process) {
    synchronized (this) {
      if (!shuttingDown) {
        processes.add(process);
        return;
      }
    }
    process.destroyForcibly();
  }

  public synchronized void register(Path directory) {
    directories.add(directory);
  }

  /**
   * Runs {@code teardown} when the benchmark exits, after the processes are stopped and before the
   * directories are deleted, unless {@link #release(Runnable)} ran it first. It must not throw.
   */
  public synchronized void register(Runnable teardown) {
    actions.add(teardown);
  }

  /** Runs {@code teardown} now, once: a registered action is forgotten, so the exit hook skips it. */
  public void release(Runnable teardown) {
    boolean registered;
    synchronized (this) {
      registered = actions.remove(teardown);
    }
    if (registered) {
      teardown.run();
    }
  }

  /** A new temporary directory, deleted at the latest when the benchmark exits. */
  public Path newTempDir(Path parent, String prefix) throws IOException {
    Path dir = parent == null ? Files.createTempDirectory(prefix) : Files.createTempDirectory(parent, prefix);
    register(dir);
    return dir;
  }

  /**
   * Stops {@code process} and every descendant it has: SIGTERM first, then SIGKILL for whatever is still
   * running after {@code graceMillis}.
   */
  public void stop(Process process, long graceMillis) {
    if (process == null) {
      return;
    }
    List<ProcessHandle> descendants = new ArrayList<>();
    process.descendants().forEach(descendants::add);
    try {
      process.destroy();
      if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      for (ProcessHandle child : descendants) {
        if (child.isAlive()) {
          child.destroyForcibly();
        }
      }
      synchronized (this) {
        processes.remove(process);
      }
    }
  }

  /** Deletes {@code dir} and everything in it. */
  public void delete(Path dir) {
    if (dir == null) {
      return;
    }
    try {
      Trees.delete(dir);
    } catch (IOException e) {
      System.err.println("warning: could not delete " + dir + ": " + e);
    }
    synchronized (this) {
      directories.remove(dir);
    }
  }

  private void releaseAll() {
    List<Process> leftProcesses;
    List<Runnable> leftActions;
    List<Path> leftDirs;
    synchronized (this) {
      shuttingDown = true;
      leftProcesses = new ArrayList<>(processes);
      leftActions = new ArrayList<>(actions);
      leftDirs = new ArrayList<>(directories);
    }
    for (Process p : leftProcesses) {
      stop(p, 3_000);
    }
    // Newest first, as they were set up.
    for (int i = leftActions.size() - 1; i >= 0; i--) {
      release(leftActions.get(i));
    }
    // Newest first: nested directories go before their parents.
    for (int i = leftDirs.size() - 1; i >= 0; i--) {
      delete(leftDirs.get(i));
    }
  }

}
