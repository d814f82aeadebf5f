package dev.potluck.node.trust.pacman;

/** A pacman database that cannot be used: not a tar archive this node can read, or malformed entries. */
final class PacmanFormatException extends Exception {

  PacmanFormatException(String message) {
    super(message);
  }

  PacmanFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
