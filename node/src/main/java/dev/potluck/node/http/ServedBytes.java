package dev.potluck.node.http;

import dev.potluck.node.transfer.Throttle;

/**
 * Counts the object bodies sent to local clients; never paces them (zero-copy sends stay possible).
 * Confined to the node's context, like the readers that report to it.
 */
final class ServedBytes implements Throttle {

  private long bytes;

  @Override
  public boolean limitsRate() {
    return false;
  }

  @Override
  public long reserve(int n) {
    return 0;
  }

  @Override
  public void wrote(long n) {
    bytes += n;
  }

  long bytes() {
    return bytes;
  }
}
