package dev.potluck.protocol;

import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The stable identity of one node: 16 random bytes, written as 32 lower-case hex digits.
 *
 * <p>A node draws its id once, keeps it with its cache, and announces it in its mDNS TXT record and in
 * cluster messages. It is independent of addresses and ports, so a node that moves to another address
 * or restarts stays the same holder of the same objects. The id is a name, not a secret.
 *
 * <p>Ids are ordered by their hex text, which is the same as the unsigned order of their bytes; the
 * order is total and the same on every node, so it can break ties deterministically.
 */
public record NodeId(String hex) implements Comparable<NodeId> {

  /** Length of the id in bytes, as carried on the wire. */
  public static final int BYTES = 16;

  /** Length of the id's text: two hex digits per byte. */
  public static final int HEX_LENGTH = 2 * BYTES;

  /** @throws IllegalArgumentException unless {@code hex} is exactly 32 lower-case hex digits */
  public NodeId {
    if (!Hex.isLowerHex(hex, HEX_LENGTH)) {
      throw new IllegalArgumentException("not a node id (" + HEX_LENGTH + " lower-case hex digits): '"
          + (hex == null ? "null" : hex.length() > 80 ? hex.substring(0, 77) + "..." : hex) + "'");
    }
  }

  /**
   * Draws a new id from {@code random}. Nodes pass a {@link java.security.SecureRandom}; tests pass a
   * seeded generator to get the same ids on every run.
   */
  public static NodeId random(RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    byte[] bytes = new byte[BYTES];
    random.nextBytes(bytes);
    return new NodeId(Hex.encode(bytes));
  }

  /**
   * Parses an id as people and configuration files write it: 32 hex digits in either case.
   *
   * @throws IllegalArgumentException naming the text when it is not an id
   */
  public static NodeId parse(String text) {
    return new NodeId(text == null ? null : text.toLowerCase(Locale.ROOT));
  }

  @Override
  public int compareTo(NodeId other) {
    return hex.compareTo(other.hex);
  }

  @Override
  public String toString() {
    return hex;
  }
}
