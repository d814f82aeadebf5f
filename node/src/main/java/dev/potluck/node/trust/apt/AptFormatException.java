package dev.potluck.node.trust.apt;

/**
 * A Release or Packages file that does not parse. The message names the line (1-based) and what was
 * expected there, since the admin will look for it in the file.
 */
public final class AptFormatException extends Exception {

  private static final long serialVersionUID = 1L;

  AptFormatException(String message) {
    super(message);
  }

  AptFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
