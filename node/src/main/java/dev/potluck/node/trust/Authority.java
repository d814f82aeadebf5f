package dev.potluck.node.trust;

/**
 * What vouches for an object's bytes, best first. A node hands out as complete, commits or announces
 * only bytes it has checked against one of these; a digest another member reports is never one.
 */
public enum Authority {
  /** The repository's own signed metadata, verified by this node (apt's InRelease chain, ...). */
  SIGNED_METADATA("signed-metadata"),
  /**
   * The repository's unsigned metadata as this node fetched it from upstream (most dnf repomd files,
   * Arch's databases): no member can alter it, but nothing vouches for it beyond that fetch.
   */
  FETCHED_METADATA("fetched-metadata"),
  /** A name that is the content's SHA-256 (apt's by-hash files, dnf's hashed repodata, /sha256/). */
  CONTENT_NAME("content-name"),
  /** Nothing but this node's own fetch from upstream: trust on first use. */
  OWN_FETCH("own-fetch");

  private final String label;

  Authority(String label) {
    this.label = label;
  }

  /** The name used in metrics and the status API. */
  public String label() {
    return label;
  }
}
