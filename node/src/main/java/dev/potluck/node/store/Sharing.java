package dev.potluck.node.store;

/**
 * How a published object is offered to peers, Passim-style: for at most {@code maxAgeMillis} after it
 * was published (then it is dropped), and at most {@code maxShares} times (then it is kept for this
 * host's own clients but no longer offered). Objects fetched for a client carry no such limits.
 *
 * @param publishedAtMillis when it was published (epoch milliseconds)
 * @param maxAgeMillis how long it is shared, more than 0
 * @param maxShares how many times peers may be served it; 0 for no limit
 * @param shares how many times peers were served it so far
 */
public record Sharing(long publishedAtMillis, long maxAgeMillis, int maxShares, int shares) {

  public Sharing {
    if (maxAgeMillis <= 0) {
      throw new IllegalArgumentException("a published object's max age must be more than 0, not " + maxAgeMillis + " ms");
    }
    if (maxShares < 0) {
      throw new IllegalArgumentException("a published object's max share count must be 0 (no limit) or more, not "
          + maxShares);
    }
    if (shares < 0) {
      throw new IllegalArgumentException("negative share count " + shares);
    }
  }

  /** When it stops being shared and is dropped (epoch milliseconds). */
  public long expiresAtMillis() {
    long at = publishedAtMillis + maxAgeMillis;
    return at < publishedAtMillis ? Long.MAX_VALUE : at;
  }

  public boolean expired(long nowMillis) {
    return nowMillis >= expiresAtMillis();
  }

  /** Whether peers were served it as often as allowed. */
  public boolean exhausted() {
    return maxShares > 0 && shares >= maxShares;
  }

  /** Whether peers may be served it now. */
  public boolean offered(long nowMillis) {
    return !expired(nowMillis) && !exhausted();
  }

  Sharing withOneMoreShare() {
    return new Sharing(publishedAtMillis, maxAgeMillis, maxShares, shares + 1);
  }
}
