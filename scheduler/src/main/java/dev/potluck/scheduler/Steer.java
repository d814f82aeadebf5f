package dev.potluck.scheduler;

import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;

/**
 * What {@link Steering} asks its driver to do for one request: move its bytes ({@code From*}), arm a
 * timer and call back ({@code RetryLater}, {@code AwaitDigest}), end it ({@code Complete},
 * {@code Abandon}), or tell the {@link Scheduler} how it went ({@code Tell*}). The driver decides
 * nothing: it performs these, in the order they come.
 *
 * @param <F> the driver's handle on one request's transfer
 */
public sealed interface Steer<F> {

  /** Take the object from {@code peer}: a holder's copy checked against {@code expected}, or a stream (null). */
  record FromPeer<F>(F fetch, NodeId peer, Sha256 expected) implements Steer<F> {}

  /** Fetch the object from upstream, resuming from the bytes already here; any peer transfer stops. */
  record FromUpstream<F>(F fetch) implements Steer<F> {}

  /** Call {@link Steering#retry} with {@code requestId} after {@code millis}: its sources were busy. */
  record RetryLater<F>(F fetch, long requestId, long millis) implements Steer<F> {}

  /** Call {@link Steering#digestOverdue} with {@code attempt} after {@code millis}, unless it completes. */
  record AwaitDigest<F>(F fetch, long attempt, long millis) implements Steer<F> {}

  /** The body is whole and its digest known: store it. */
  record Complete<F>(F fetch) implements Steer<F> {}

  /** The body is whole but no digest came for it: end the request without a copy. */
  record Abandon<F>(F fetch) implements Steer<F> {}

  /** Tell the scheduler every offered source failed ({@code onLocalStreamFailed} or {@code onLocalSourcesFailed}). */
  record TellSourcesFailed<F>(F fetch, long requestId, ObjectKey key, boolean streaming) implements Steer<F> {}

  /** Tell the scheduler this node's upstream fetch (or the lease for one) is over without a copy. */
  record TellFetchFailed<F>(ObjectKey key, String reason) implements Steer<F> {}

  /** Tell the scheduler this node gave up a request it was taking from peers. */
  record TellGaveUp<F>(F fetch, long requestId, ObjectKey key) implements Steer<F> {}

  /** Tell the scheduler this node holds the object: fetched upstream ({@code onLocalFetchDone}) or from peers. */
  record TellHave<F>(F fetch, ObjectKey key, long size, Sha256 sha256, boolean upstream) implements Steer<F> {}
}
