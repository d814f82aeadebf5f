package dev.potluck.node.trust.nix;

/** A narinfo that cannot be read or cannot be trusted; the message says why, for the node's problems list. */
final class NarInfoFormatException extends Exception {

  NarInfoFormatException(String message) {
    super(message);
  }
}
