package dev.potluck.node.transfer;

/**
 * Paces the body bytes readers write to their responses, and learns what they wrote. One throttle
 * may be shared by many responses: the peer listener's caps all of its uploads together.
 *
 * <p>Called on the node's context only, like the readers that use it.
 */
public interface Throttle {

  /** Never waits and counts nothing: for local clients. */
  Throttle NONE = new Throttle() {
    @Override
    public boolean limitsRate() {
      return false;
    }

    @Override
    public long reserve(int bytes) {
      return 0;
    }

    @Override
    public void wrote(long bytes) {}
  };

  /**
   * False when {@link #reserve} always answers 0: a body may then go out in one zero-copy file send,
   * which cannot be paced.
   */
  boolean limitsRate();

  /**
   * Reserves {@code bytes} of the budget for a chunk about to be written.
   *
   * @return how long, in nanoseconds, to wait before writing it: 0 to write now
   */
  long reserve(int bytes);

  /** {@code bytes} of body were handed to a response's connection. */
  void wrote(long bytes);
}
