package dev.potluck.node.swarm;

import dev.potluck.protocol.ObjectKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Receiving rate of each object in flight, over windows of at least {@link #WINDOW_MILLIS}, from the
 * byte counts it is shown once a second. Confined to the node's context; time is passed in.
 */
final class StreamRates {

  static final long WINDOW_MILLIS = 1_000;

  private static final class Window {
    long bytes;
    long at;
    long rate;
  }

  private final Map<ObjectKey, Window> windows = new HashMap<>();

  /** The rate of {@code key}, now that it has {@code bytes}; first seen at {@code startedAt}. */
  long update(ObjectKey key, long bytes, long startedAt, long now) {
    Window w = windows.get(key);
    if (w == null) {
      w = new Window();
      w.bytes = 0;
      w.at = startedAt;
      windows.put(key, w);
    }
    long elapsed = now - w.at;
    if (elapsed >= WINDOW_MILLIS) {
      w.rate = Math.max(0, (bytes - w.bytes) * 1000 / elapsed);
      w.bytes = bytes;
      w.at = now;
    }
    return w.rate;
  }

  /** Forgets every object but {@code inFlight}. */
  void retain(Set<ObjectKey> inFlight) {
    windows.keySet().retainAll(inFlight);
  }
}
