package dev.potluck.node.cache;

/** How a request was answered; sent to clients as {@code X-Potluck-Cache} and counted. */
public enum Disposition {
  /** Served from the store without asking upstream. */
  HIT,
  /** Fetched from upstream for this request. */
  MISS,
  /** Taken from another node of the cluster (verified) for this request. */
  PEER,
  /** Joined a fetch already under way for another request. */
  JOINED,
  /** Upstream confirmed the stored copy (304) or sent a new one. */
  REVALIDATED,
  /** Upstream could not be asked; the stored copy was served anyway. */
  STALE,
  /** Not cacheable: passed through from upstream. */
  PASS;

  public String header() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
