package dev.potluck.node.trust.apt;

/**
 * Signed metadata that must not be believed, with the reason. The message says what failed in words
 * an admin can act on (for an unknown key, its id in hex, which is what they will search for).
 */
public final class VerificationException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why verification failed. */
  public enum Reason {
    /** No signature made by a trusted key; the message names the signing key ids. */
    UNKNOWN_KEY,
    /** A trusted key's signature does not match the text: the text or the signature was changed. */
    BAD_SIGNATURE,
    /** The signing key is revoked, expired, not yet valid, or not allowed to sign. */
    UNUSABLE_KEY,
    /** The signature uses a digest apt no longer accepts (MD5, SHA-1, RIPEMD-160). */
    WEAK_DIGEST,
    /** Not a clearsigned message or not an OpenPGP signature at all. */
    MALFORMED,
    /** Well-formed, but without any signature. */
    NO_SIGNATURE
  }

  private final Reason reason;

  VerificationException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  VerificationException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
