package dev.potluck.node.trust;

import dev.potluck.protocol.Sha256;
import java.util.Objects;

/**
 * What an object must be, according to an authority no LAN member controls.
 *
 * @param sha256 the digest its body must have
 * @param size its length in bytes, or -1 when the authority does not say (a content name)
 * @param authority what vouches for it
 * @param source where the authority comes from, for messages (the signed index that lists it, say)
 */
public record Expectation(Sha256 sha256, long size, Authority authority, String source) {
  public Expectation {
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(source, "source");
    if (size < -1) {
      throw new IllegalArgumentException("size must be -1 (unknown) or more, not " + size);
    }
  }

  /** Whether a body announced as {@code length} bytes (-1: not announced) can be this object. */
  public boolean admitsLength(long length) {
    return size < 0 || length < 0 || size == length;
  }
}
