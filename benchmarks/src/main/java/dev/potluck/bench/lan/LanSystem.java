package dev.potluck.bench.lan;

import dev.potluck.bench.harness.Cleanup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One way for the hosts to get their packages, measured against the others in the same run on the same
 * LAN with the same clients. The benchmark drives each system through one workload:
 *
 * <ol>
 *   <li>{@link #start} runs whatever the system needs (a node per host, a central cache on a box of
 *       its own, nothing) and returns once it is ready;
 *   <li>{@link #beforeWorkload} takes the system's counter baselines, just before the clients start;
 *   <li>the clients fetch, each through {@link #proxyFor} its host;
 *   <li>{@link #afterWorkload} waits for the system to settle and reports what it saw;
 *   <li>{@link #close} stops everything {@link #start} started (it must also work after a failed start).
 * </ol>
 *
 * <p>Upstream bytes, makespan, the bytes each host's LAN port sent and the clients' checks are
 * measured by the benchmark, the same way for every system.
 */
public interface LanSystem extends AutoCloseable {

  /** What every system may use. */
  /** @param repositoryKeyring the public key that signs the benchmark's repository (as a --keyring) */
  record Context(Cleanup cleanup, Lan lan, Path workDir, Path nodeJar, List<String> nodeJvmOptions, String nodeLogLevel,
      Duration readyTimeout, String runId, Path repositoryKeyring) {}

  /**
   * What a system reports of one workload.
   *
   * @param uploadedBytes bytes each host served to other hosts during the workload (host 1 first), as the
   *     system counts them, or null for a system that keeps no such account (the benchmark reads every
   *     host's interface counters in any case)
   * @param controlMessages cluster control messages sent during the workload, all hosts together, or
   *     null for a system without any
   * @param cpuSeconds CPU time the system's own processes used during the workload, or null for none
   * @param peakRssKiB peak resident memory of each process the system ran ({@code VmHWM}), by name
   * @param details anything else worth keeping, written to the JSON as is
   */
  record Report(List<Long> uploadedBytes, Long controlMessages, Double cpuSeconds, Map<String, Long> peakRssKiB,
      Map<String, Object> details) {}

  /** The name in tables and JSON: {@code direct}, {@code potluck}, ... */
  String name();

  void start(Context context) throws Exception;

  /** The HTTP proxy host {@code host} (from 1) fetches through, or null to fetch straight from upstream. */
  String proxyFor(int host);

  void beforeWorkload() throws Exception;

  Report afterWorkload() throws Exception;

  /** Log files worth keeping after the run (they are copied before the work directory is deleted). */
  default List<Path> logs() {
    return List.of();
  }

  @Override
  void close();
}
