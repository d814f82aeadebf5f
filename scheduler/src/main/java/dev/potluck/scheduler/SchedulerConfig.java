package dev.potluck.scheduler;

/**
 * The scheduler's tunables. All times are in milliseconds of the injected clock.
 *
 * @param maxUploads how many peers one node streams one object to at once before the arbiter sends
 *     further requesters to a node that is itself receiving (the relay tree's fan-out)
 * @param maxHoldersOffered how many ranked holders a requester is given (the first plus fallbacks)
 * @param requestTimeoutMillis how long a requester waits for its arbiter before fetching upstream itself
 * @param streamRecoveryMillis how long a node whose stream from a peer broke waits to be pointed at a new
 *     source (the arbiter does so once the failure detector has removed a dead source from the view)
 *     before it fetches upstream itself
 * @param leaseTimeoutMillis how long a fetch may report no progress before its lease passes to a waiter
 * @param loadIntervalMillis how often a node gossips its load
 * @param progressIntervalMillis how often a node reports the progress of one transfer to its arbiter
 * @param assignmentWindowMillis how long an arbiter counts an assignment it made against a holder, so a
 *     burst of requests spreads over holders before their gossiped load catches up
 */
public record SchedulerConfig(
    int maxUploads,
    int maxHoldersOffered,
    long requestTimeoutMillis,
    long streamRecoveryMillis,
    long leaseTimeoutMillis,
    long loadIntervalMillis,
    long progressIntervalMillis,
    long assignmentWindowMillis) {

  /**
   * Two: a node forwards each byte it gets at most twice, so its upload port carries twice the WAN
   * rate at most (a LAN port is usually that much faster), the relay tree is log2(N) deep, and uploads
   * spread over the hosts. With four, the fetcher's port was the bottleneck once it was slower than
   * four times the WAN (benchmarks/sim.sh, 8 hosts, WAN 100 / LAN 200 Mbit/s: makespan 1.35 x ideal
   * with four, 1.00 with two; largest upload over mean 3.1 with four, 2.2 with two).
   */
  public static final int DEFAULT_MAX_UPLOADS = 2;
  public static final int DEFAULT_MAX_HOLDERS_OFFERED = 3;
  /** Short: a package manager is waiting, and upstream is always a valid answer. */
  public static final long DEFAULT_REQUEST_TIMEOUT_MILLIS = 2_000;
  /** Longer than the failure detector takes to notice a killed node (about 1-2 s with FD_SOCK2). */
  public static final long DEFAULT_STREAM_RECOVERY_MILLIS = 5_000;
  public static final long DEFAULT_LEASE_TIMEOUT_MILLIS = 15_000;
  public static final long DEFAULT_LOAD_INTERVAL_MILLIS = 1_000;
  public static final long DEFAULT_PROGRESS_INTERVAL_MILLIS = 1_000;
  /**
   * A holder tells the arbiters of its keys its upload count when it changes, at most a tick plus
   * {@code loadIntervalMillis / 5} late, and an assignment reaches the holder within
   * {@link LoadTable#GOSSIP_LAG_MILLIS}: after about 600 ms an assignment is in what the holder last
   * told, or already over. A longer window counts assignments twice: a holder whose last update came
   * just after its last upload began looked busy for seconds after it was idle, and the next burst
   * went to the others.
   */
  public static final long DEFAULT_ASSIGNMENT_WINDOW_MILLIS = 1_000;

  public SchedulerConfig {
    positive("maxUploads", maxUploads);
    positive("maxHoldersOffered", maxHoldersOffered);
    if (maxHoldersOffered > 16) {
      throw new IllegalArgumentException("maxHoldersOffered must be at most 16 (a message carries 16), got " + maxHoldersOffered);
    }
    positive("requestTimeoutMillis", requestTimeoutMillis);
    positive("streamRecoveryMillis", streamRecoveryMillis);
    positive("leaseTimeoutMillis", leaseTimeoutMillis);
    positive("loadIntervalMillis", loadIntervalMillis);
    positive("progressIntervalMillis", progressIntervalMillis);
    positive("assignmentWindowMillis", assignmentWindowMillis);
  }

  public static SchedulerConfig defaults() {
    return new SchedulerConfig(DEFAULT_MAX_UPLOADS, DEFAULT_MAX_HOLDERS_OFFERED, DEFAULT_REQUEST_TIMEOUT_MILLIS,
        DEFAULT_STREAM_RECOVERY_MILLIS, DEFAULT_LEASE_TIMEOUT_MILLIS, DEFAULT_LOAD_INTERVAL_MILLIS, DEFAULT_PROGRESS_INTERVAL_MILLIS,
        DEFAULT_ASSIGNMENT_WINDOW_MILLIS);
  }

  public SchedulerConfig withMaxUploads(int n) {
    return new SchedulerConfig(n, maxHoldersOffered, requestTimeoutMillis, streamRecoveryMillis, leaseTimeoutMillis, loadIntervalMillis,
        progressIntervalMillis, assignmentWindowMillis);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
