package dev.potluck.node.metrics;

/**
 * Durations the node's parts report as they happen, for metrics. Called on the node's context; an
 * implementation must not block or allocate much: these run on every request.
 */
public interface Timings {

  /** Reports nothing. */
  Timings NONE = new Timings() {
    @Override
    public void schedulerCall(long nanos) {}

    @Override
    public void firstByte(boolean fromPeer, long nanos) {}
  };

  /** One call into the scheduler took {@code nanos}. */
  void schedulerCall(long nanos);

  /**
   * A miss got its first response from its source {@code nanos} after it arrived (negotiation in the
   * cluster included).
   *
   * @param fromPeer whether the source was another node rather than upstream
   */
  void firstByte(boolean fromPeer, long nanos);
}
