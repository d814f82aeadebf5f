package dev.potluck.scheduler;

import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import java.util.Collection;

/**
 * Rendezvous (highest random weight) hashing: every member scores every key, and the highest score
 * owns it. All nodes with the same view agree without talking, and when a member leaves only the keys
 * it owned move.
 */
public final class Rendezvous {

  private Rendezvous() {}

  /** The member that arbitrates {@code key}; {@code members} must not be empty. */
  public static NodeId owner(ObjectKey key, Collection<NodeId> members) {
    long k = keyBits(key);
    NodeId best = null;
    long bestScore = 0;
    for (NodeId member : members) {
      long score = score(k, member);
      if (best == null || Long.compareUnsigned(score, bestScore) > 0
          || (score == bestScore && member.compareTo(best) < 0)) {
        best = member;
        bestScore = score;
      }
    }
    if (best == null) {
      throw new IllegalArgumentException("no members to own " + key);
    }
    return best;
  }

  /** A pseudo-random but stable number for (key, member): breaks ties between equal candidates per key. */
  static long score(long keyBits, NodeId member) {
    return mix(keyBits ^ mix(nodeBits(member)));
  }

  static long keyBits(ObjectKey key) {
    // The key is already a SHA-256: its first 16 hex digits are uniformly distributed.
    return hexBits(key.id(), 0);
  }

  static long nodeBits(NodeId member) {
    String hex = member.hex();
    return hexBits(hex, 0) ^ hexBits(hex, 16);
  }

  /**
   * The 16 hex digits of {@code hex} from {@code from} as an unsigned number. Scores are computed for
   * every member and every key on each view change and ranking, so this must not allocate.
   */
  private static long hexBits(String hex, int from) {
    long bits = 0;
    for (int i = from; i < from + 16; i++) {
      bits = (bits << 4) | Character.digit(hex.charAt(i), 16);
    }
    return bits;
  }

  /** SplitMix64's finaliser: a fast, well-mixed 64-bit permutation. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
