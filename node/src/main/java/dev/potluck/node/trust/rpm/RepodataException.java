package dev.potluck.node.trust.rpm;

/** Repository metadata that cannot be used: malformed, of an unsupported kind, or not what repomd lists. */
final class RepodataException extends Exception {

  RepodataException(String message) {
    super(message);
  }

  RepodataException(String message, Throwable cause) {
    super(message, cause);
  }
}
