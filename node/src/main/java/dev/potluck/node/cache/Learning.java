package dev.potluck.node.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * Upstream files the authorities may learn from (a repomd, a primary, a pacman database) that are
 * complete but not yet committed and observed, and the requests for immutable objects waiting for
 * them: a client that asks for its packages the moment its metadata arrived (pacman -Syu, in one
 * process) must get them keyed and checked by what that metadata says, not as this node's own fetch.
 * Event loop only.
 */
final class Learning {

  private int files;
  private final List<Runnable> waiting = new ArrayList<>();

  /** Whether some file is still being learnt from: requests that depend on it wait. */
  boolean underway() {
    return files > 0;
  }

  /** One more file will be learnt from. */
  void begin() {
    files++;
  }

  /** Runs {@code task} once no file is being learnt from any more. */
  void afterwards(Runnable task) {
    waiting.add(task);
  }

  /** One file is learnt from: when none is left, the requests that waited for them go on, in order. */
  void end() {
    if (--files > 0) {
      return;
    }
    List<Runnable> ready = List.copyOf(waiting);
    waiting.clear();
    ready.forEach(Runnable::run);
  }
}
