package dev.potluck.dashboard;

import io.vertx.core.json.JsonArray;

/**
 * The cluster's bytes from upstream and from the LAN over time: a ring buffer of samples taken at
 * most every {@code intervalMillis}, so memory stays bounded however long the node runs. Not
 * thread-safe: confined to the node's context.
 */
public final class SavingsHistory {

  /** Samples kept by default: 10 minutes at one a second... */
  public static final int DEFAULT_CAPACITY = 600;

  /** ...taken at most this often. */
  public static final long DEFAULT_INTERVAL_MILLIS = 1_000;

  private final long[] times;
  private final long[] upstream;
  private final long[] lan;
  private final long intervalMillis;
  private int start;
  private int size;

  public SavingsHistory(int capacity, long intervalMillis) {
    if (capacity < 1) {
      throw new IllegalArgumentException("history capacity must be at least 1, was " + capacity);
    }
    if (intervalMillis < 0) {
      throw new IllegalArgumentException("history interval must be >= 0 ms, was " + intervalMillis);
    }
    this.times = new long[capacity];
    this.upstream = new long[capacity];
    this.lan = new long[capacity];
    this.intervalMillis = intervalMillis;
  }

  /**
   * Records the running totals at {@code now}, unless the last sample is more recent than the
   * interval; the oldest sample goes when the buffer is full.
   *
   * @return whether a sample was taken
   */
  public boolean record(long now, long upstreamBytes, long lanBytes) {
    if (size > 0 && now - times[index(size - 1)] < intervalMillis) {
      return false;
    }
    int slot;
    if (size < times.length) {
      slot = index(size);
      size++;
    } else {
      slot = start;
      start = (start + 1) % times.length;
    }
    times[slot] = now;
    upstream[slot] = upstreamBytes;
    lan[slot] = lanBytes;
    return true;
  }

  public int size() {
    return size;
  }

  /** Oldest first: {@code [[timeMillis, upstreamBytes, lanBytes], ...]}. */
  public JsonArray toJson() {
    JsonArray out = new JsonArray();
    for (int i = 0; i < size; i++) {
      int at = index(i);
      out.add(new JsonArray().add(times[at]).add(upstream[at]).add(lan[at]));
    }
    return out;
  }

  private int index(int i) {
    return (start + i) % times.length;
  }
}
