package dev.potluck.node.transfer;

import dev.potluck.protocol.Sha256;
import java.io.IOException;

/** A body that arrived whole but is not the one announced: its bytes must never be handed out as complete. */
public final class VerificationException extends IOException {
  public VerificationException(Sha256 expected, Sha256 actual, long bytes) {
    super("SHA-256 mismatch: " + bytes + " bytes hash to " + actual + ", expected " + expected);
  }

  /** A body that cannot be the object for another reason, said in {@code message} (its length, say). */
  public VerificationException(String message) {
    super(message);
  }
}
