package dev.potluck.bench.sim;

import dev.potluck.scheduler.SchedulerConfig;
import java.util.List;

/**
 * One simulated run: the LAN, the object set and the workload.
 *
 * @param nodes hosts, each running one node
 * @param sizes object sizes in bytes, in the order every host's client asks for them
 * @param wanBytesPerSecond the upstream link, shared by every host (downstream direction)
 * @param lanBytesPerSecond each host's LAN port, in each direction
 * @param latencyMicros how long a control message (or a view) takes from one node to another
 * @param workload arrival pattern and failures
 * @param seed seeds node ids, tick phases, arrivals and subsets
 * @param pipeline how many objects a host's client asks for at once (apt pipelines up to 10)
 * @param staggerMillis the window arrivals spread over in {@link Workload#STAGGERED}
 * @param failureDetectMillis how long after a host dies the group installs a view without it
 * @param maxSimMillis the bound on simulated time after the workload starts
 * @param scheduler the scheduler's tunables, as a node runs them
 */
record SimSettings(
    int nodes,
    List<Long> sizes,
    double wanBytesPerSecond,
    double lanBytesPerSecond,
    long latencyMicros,
    Workload workload,
    long seed,
    int pipeline,
    long staggerMillis,
    long failureDetectMillis,
    long maxSimMillis,
    SchedulerConfig scheduler) {

  /** A node's tick (Swarm's TICK_MILLIS): timeouts, progress reports and load gossip. */
  static final long TICK_MILLIS = 100;
  /** The cluster forms and gossips load (peers learn each other's peer API) before the workload starts. */
  static final long FORMING_MILLIS = 3_000;

  SimSettings {
    if (nodes < 1) {
      throw new IllegalArgumentException("at least one node, got " + nodes);
    }
    if (sizes.isEmpty() || sizes.stream().anyMatch(s -> s <= 0)) {
      throw new IllegalArgumentException("objects need positive sizes, got " + sizes);
    }
    sizes = List.copyOf(sizes);
    if (!(wanBytesPerSecond > 0) || !(lanBytesPerSecond > 0)) {
      throw new IllegalArgumentException("link rates must be positive, got WAN " + wanBytesPerSecond + " and LAN "
          + lanBytesPerSecond + " bytes/s");
    }
    if (latencyMicros < 0 || pipeline < 1 || staggerMillis < 0 || failureDetectMillis < 0 || maxSimMillis <= 0) {
      throw new IllegalArgumentException("latency, stagger and failure detection must be >= 0, pipeline and the time "
          + "bound >= 1");
    }
    if (workload == Workload.WARM && nodes < 2) {
      throw new IllegalArgumentException("the warm workload needs at least 2 nodes (one holds the set)");
    }
  }

  long totalBytes() {
    return sizes.stream().mapToLong(Long::longValue).sum();
  }

  SimSettings withNodes(int n) {
    return new SimSettings(n, sizes, wanBytesPerSecond, lanBytesPerSecond, latencyMicros, workload, seed, pipeline,
        staggerMillis, failureDetectMillis, maxSimMillis, scheduler);
  }

  SimSettings withWorkload(Workload w) {
    return new SimSettings(nodes, sizes, wanBytesPerSecond, lanBytesPerSecond, latencyMicros, w, seed, pipeline,
        staggerMillis, failureDetectMillis, maxSimMillis, scheduler);
  }
}
