package dev.potluck.protocol;

/** A URL that cannot name a shared object; the message says why, in words a user can act on. */
public final class InvalidUrlException extends IllegalArgumentException {
  public InvalidUrlException(String message) {
    super(message);
  }
}
