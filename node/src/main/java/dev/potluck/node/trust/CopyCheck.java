package dev.potluck.node.trust;

import java.util.Objects;

/**
 * What this node found when it checked another member's copy of mutable metadata (apt's InRelease).
 * Only a copy that is provably altered blames the member; one this node cannot check, or that an
 * honest member could have relayed from upstream (an older or expired Release), is simply not used.
 *
 * @param verdict what the check found
 * @param why for a copy that is not used, why, for the log; null for a good one
 */
public record CopyCheck(Verdict verdict, String why) {

  public enum Verdict {
    /** Checked and right: serve it and learn from it. */
    GOOD,
    /** Altered (a trusted key's signature does not match, or another suite's file): blame the member. */
    WRONG,
    /** Not checkable here, or not wanted (an unknown key, an older Release): fetch it upstream instead. */
    UNUSABLE
  }

  public static final CopyCheck GOOD = new CopyCheck(Verdict.GOOD, null);

  public CopyCheck {
    Objects.requireNonNull(verdict, "verdict");
    if ((verdict == Verdict.GOOD) != (why == null)) {
      throw new IllegalArgumentException("a reason is given exactly for a copy that is not used");
    }
  }

  public static CopyCheck wrong(String why) {
    return new CopyCheck(Verdict.WRONG, why);
  }

  public static CopyCheck unusable(String why) {
    return new CopyCheck(Verdict.UNUSABLE, why);
  }
}
