package dev.potluck.scheduler;

/**
 * Why the scheduler refused a message from a member (see {@link Scheduler#rejected()}). A rejected message
 * changes nothing: a rogue member can cost time, never correctness.
 */
public enum RejectReason {
  /**
   * An answer about a key ({@code Grant}, {@code StreamFrom}, {@code FetchFrom}, {@code Announce}) from a
   * member that is not the key's arbiter in this node's current view.
   */
  NOT_ARBITER,
  /** {@code Done} from a member that does not hold the key's fetch lease: not taken as the object's digest. */
  NOT_LEASE_HOLDER,
  /** A holder's claim ({@code Have}, {@code Done}) whose size or digest disagrees with the one already known. */
  DIGEST_CONFLICT;

  /** The label this reason is exported under (metrics, status pages). */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
