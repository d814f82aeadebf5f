package dev.potluck.node.cache;

import dev.potluck.node.trust.Authority;
import java.util.EnumMap;
import java.util.Map;

/**
 * Running totals of what the cache did, read by the status API. Confined to the node's context.
 */
public final class CacheCounters {
  private final EnumMap<Disposition, Long> answers = new EnumMap<>(Disposition.class);
  private long upstreamRequests;
  private long upstreamBytes;
  private long upstreamFailures;
  private long peerRequests;
  private long peerBytes;
  private long verificationFailures;
  private final EnumMap<Authority, Long> verified = new EnumMap<>(Authority.class);

  void countVerified(Authority authority) {
    verified.merge(authority, 1L, Long::sum);
  }

  /** Objects committed after a check against {@code authority}. */
  public long verified(Authority authority) {
    return verified.getOrDefault(authority, 0L);
  }

  void answered(Disposition d) {
    answers.merge(d, 1L, Long::sum);
  }

  void upstreamRequest() {
    upstreamRequests++;
  }

  void upstreamBytes(long n) {
    upstreamBytes += n;
  }

  void peerRequest() {
    peerRequests++;
  }

  void peerBytes(long n) {
    peerBytes += n;
  }

  /** Requests this node made to other nodes' peer API. */
  public long peerRequests() {
    return peerRequests;
  }

  /** Body bytes received from other nodes. */
  public long peerBytes() {
    return peerBytes;
  }

  void upstreamFailure() {
    upstreamFailures++;
  }

  void verificationFailure() {
    verificationFailures++;
  }

  /** Bodies from peers whose SHA-256 was not the announced one (discarded). */
  public long verificationFailures() {
    return verificationFailures;
  }

  /** Requests answered as {@code d}. */
  public long answers(Disposition d) {
    Long n = answers.get(d);
    return n == null ? 0 : n;
  }

  public Map<Disposition, Long> answers() {
    return new EnumMap<>(answers);
  }

  public long upstreamRequests() {
    return upstreamRequests;
  }

  public long upstreamBytes() {
    return upstreamBytes;
  }

  public long upstreamFailures() {
    return upstreamFailures;
  }
}
