package dev.potluck.bench.chaos;

import java.util.List;
import java.util.Map;

/**
 * One fault the chaos suite injects during a cold herd: it waits on its own thread for its moment (a
 * fetch reaching some share of the largest package, say), does its damage, and later checks what only
 * it knows to check. Everything it saw goes into {@link Rig#note}.
 */
public interface Fault {

  /** The scenario's name on the command line and in the results: {@code fetcher-kill}, ... */
  String id();

  /** One line saying what is done, for the table. */
  String title();

  /** Hosts (from 1) whose cache is a tmpfs of the given size when the nodes start; none by default. */
  default Map<Integer, Long> tmpfsCaches(int hosts, long uniqueBytes) {
    return Map.of();
  }

  /**
   * Does the damage, waiting first for its moment. Runs while the clients fetch; returns when the
   * fault is over (a partition healed, a link up again). Interrupted when the herd ends first.
   */
  void inject(Rig rig) throws Exception;

  /** Hosts whose clients the fault itself cut off (their node was killed): judged apart from the others. */
  default List<Integer> hostsHit(Rig rig) {
    return rig.killed();
  }

  /** After the herd, with the nodes settled: the fault's own checks; problems go to {@code problems}. */
  default void check(Rig rig, List<String> problems) throws Exception {}
}
