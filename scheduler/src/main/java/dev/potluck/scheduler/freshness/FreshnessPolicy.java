package dev.potluck.scheduler.freshness;

import java.time.Duration;

/**
 * Decides whether a stored object may be served as it is or must first be revalidated upstream.
 * Pure: the caller passes the times in (milliseconds since the epoch).
 *
 * <p>A client that insists on revalidation ({@code max-age=0}) is honoured, but one validation serves
 * every such request that arrives within {@code revalidateInterval}: a classroom of 30 machines running
 * {@code apt update} together asks upstream once, not 30 times.
 */
public final class FreshnessPolicy {

  /** How long metadata is served without asking upstream, unless a client asks sooner. */
  public static final Duration DEFAULT_METADATA_MAX_AGE = Duration.ofMinutes(5);

  /** The shortest interval between two revalidations of one object forced by clients. */
  public static final Duration DEFAULT_REVALIDATE_INTERVAL = Duration.ofSeconds(10);

  public enum Decision { SERVE, REVALIDATE }

  private final long metadataMaxAgeMillis;
  private final long revalidateIntervalMillis;

  public FreshnessPolicy(Duration metadataMaxAge, Duration revalidateInterval) {
    if (metadataMaxAge.isNegative()) {
      throw new IllegalArgumentException("metadata max age must not be negative: " + metadataMaxAge);
    }
    if (revalidateInterval.isNegative()) {
      throw new IllegalArgumentException("revalidate interval must not be negative: " + revalidateInterval);
    }
    this.metadataMaxAgeMillis = metadataMaxAge.toMillis();
    this.revalidateIntervalMillis = revalidateInterval.toMillis();
  }

  public static FreshnessPolicy defaults() {
    return new FreshnessPolicy(DEFAULT_METADATA_MAX_AGE, DEFAULT_REVALIDATE_INTERVAL);
  }

  /**
   * @param kind what the object is
   * @param validatedAtMillis when upstream last confirmed (or sent) this copy
   * @param nowMillis the current time
   * @param request what the client asked for
   */
  public Decision decide(ObjectKind kind, long validatedAtMillis, long nowMillis, RequestCacheControl request) {
    if (kind == ObjectKind.IMMUTABLE) {
      return Decision.SERVE;
    }
    long age = Math.max(0, nowMillis - validatedAtMillis);
    return age < maxAgeMillis(request) ? Decision.SERVE : Decision.REVALIDATE;
  }

  /** How old a copy of metadata may be to answer {@code request} without asking upstream. */
  public long maxAgeMillis(RequestCacheControl request) {
    if (request.mustRevalidate()) {
      return revalidateIntervalMillis;
    }
    long limit = metadataMaxAgeMillis;
    if (request.maxAgeSeconds() >= 0) {
      limit = Math.min(limit, Math.max(request.maxAgeSeconds() * 1000, revalidateIntervalMillis));
    }
    return limit;
  }

  public Duration metadataMaxAge() {
    return Duration.ofMillis(metadataMaxAgeMillis);
  }
}
