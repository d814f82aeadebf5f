package dev.potluck.node.cache;

import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.PartialFile;
import dev.potluck.node.transfer.ResponseHead;
import dev.potluck.node.transfer.Transfer;
import dev.potluck.node.transfer.VerificationException;
import dev.potluck.node.trust.ContentNames;
import dev.potluck.node.trust.Expectation;
import dev.potluck.node.upstream.Upstream;
import dev.potluck.node.upstream.UpstreamFailure;
import dev.potluck.node.upstream.Validators;
import dev.potluck.protocol.CanonicalUrl;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a {@link Flight} from its sources' responses: asks upstream (with the stored copy's
 * validators) or a peer, reads the status (200, a 304 that revalidates, an error page relayed or a
 * 502), resumes a body cut off with a Range request, and moves the bytes into the flight's transfer.
 * What becomes of a complete body is the cache's ({@link LocalCache#finish}); which peer to try next
 * is the {@link MissRouter}'s.
 *
 * <p>Confined to the cache's context. Every response callback first checks that its source is still
 * the flight's current one ({@link Flight#isCurrent}): a superseded source's bytes go nowhere.
 *
 * <p>Over 350 lines because the first response, a resumed one and a failed one are three answers to
 * the same question (what does this source's response mean for the flight?) and share that check;
 * split apart, each would need the others' state.
 */
final class ResponseFeed {

  private static final Logger log = LoggerFactory.getLogger(ResponseFeed.class);

  /** The most of an upstream error page relayed to the client (the rest is dropped). */
  static final int MAX_PASSTHROUGH_BODY = 64 * 1024;

  /** How often in a row a body cut off upstream is resumed without gaining a byte before its clients get the error. */
  static final int MAX_UPSTREAM_RESUMES = 2;

  /**
   * How long clients wait for a vouched-for body from upstream to be verified before they get it as it
   * arrives: most packages arrive whole within it, and a wrong one is then a clear 502.
   */
  static final long VERIFY_HOLD_MILLIS = 5_000;

  /** How long a streamed object, whole, may wait for its digest before it is given up. */
  static final long DIGEST_WAIT_MILLIS = 30_000;

  private final LocalCache cache;
  private final Vertx vertx;
  private final FileStore store;
  private final Staging staging;
  private final Upstream upstream;
  private final CacheCounters counters;
  private final MetadataRenewal renewal;

  ResponseFeed(LocalCache cache, Vertx vertx, FileStore store, Staging staging, Upstream upstream,
      CacheCounters counters, MetadataRenewal renewal) {
    this.cache = cache;
    this.vertx = vertx;
    this.store = store;
    this.staging = staging;
    this.upstream = upstream;
    this.counters = counters;
    this.renewal = renewal;
  }

  /**
   * Takes the flight's bytes from {@code origin} from now on, resuming with a Range request at the
   * bytes already received; whatever source fed it before is dropped.
   */
  void feed(Flight flight, Origin origin) {
    if (flight.isOver()) {
      return;
    }
    if (!origin.peer() && ContentNames.isLanOnly(flight.url)) {
      // Its own turn, not the caller's: the router may be in the middle of steering this flight.
      vertx.runOnContext(v -> noLanSource(flight));
      return;
    }
    int generation = flight.supersede();
    dropFeed(flight);
    long from = flight.received();
    Map<String, String> headers = origin.headers();
    if (from > 0) {
      headers = new HashMap<>(headers);
      headers.put("Range", "bytes=" + from + "-");
    }
    Validators validators = flight.stale == null || origin.peer() ? Validators.NONE
        : new Validators(flight.stale.meta().etag(), flight.stale.meta().lastModified());
    if (origin.peer()) {
      flight.takeFromPeer();
      counters.peerRequest();
    } else {
      counters.upstreamRequest();
    }
    (origin.peer() ? upstream.sendToPeer(HttpMethod.GET, origin.requestUrl(), headers)
        : upstream.send(HttpMethod.GET, origin.requestUrl(), validators, flight.userAgent, headers))
        .onComplete(ar -> {
          if (flight.isOver() || !flight.isCurrent(generation)) {
            if (ar.succeeded()) {
              discard(ar.result());
            }
            return;
          }
          if (ar.failed()) {
            sourceFailed(flight, origin, ar.cause());
          } else if (flight.transfer() == null) {
            firstResponse(flight, origin, ar.result(), generation);
          } else {
            resumed(flight, origin, ar.result(), from, generation);
          }
        });
  }

  /**
   * A {@code /sha256/<hex>} object that no node on the LAN offers (or none that could send it whole):
   * such a name has no upstream, so its clients get a 404 that says so.
   */
  private void noLanSource(Flight flight) {
    if (flight.isOver()) {
      return;
    }
    UpstreamFailure missing = new UpstreamFailure(404, "no node on the LAN shares " + flight.key.id()
        + (flight.transfer() == null ? "" : " whole (its source stopped after " + flight.transfer().received() + " bytes)")
        + "; a /sha256/ name has no upstream to fetch it from: publish the file on a node with 'potluck publish FILE'");
    dropFeed(flight);
    if (flight.transfer() != null) {
      flight.transfer().fail(missing);
      return;
    }
    staging.discard(flight.prepared);
    cache.endWithoutBody(flight);
    log.info("{}: {}", flight.url, missing.getMessage());
    flight.answer.fail(missing);
    if (flight.routed() != null) {
      cache.router().failed(flight.routed(), missing);
    }
  }

  void dropFeed(Flight flight) {
    if (flight.feed() != null) {
      discard(flight.feed());
      flight.feedEnded();
    }
  }

  /** Abandons a response: resets its stream, quietly (the reset is ours, not an error to report). */
  private static void discard(HttpClientResponse response) {
    try {
      response.exceptionHandler(ignored -> { });
    } catch (IllegalStateException ended) {
      // Already over: there is nothing left to report.
    }
    response.request().reset();
  }

  private void firstResponse(Flight flight, Origin origin, HttpClientResponse response, int generation) {
    int status = response.statusCode();
    if (status == 200) {
      if (flight.stale == null) {
        cache.timings().firstByte(origin.peer(), System.nanoTime() - flight.startedNanos);
      }
      receive(flight, response, origin, generation);
      return;
    }
    if (origin.peer() && flight.routed() != null) {
      discard(response);
      String answer = origin.where() + " answered " + status + " " + response.statusMessage();
      sourceFailed(flight, origin, status == 503 ? new PeerBusyException(answer) : new IOException(answer));
      return;
    }
    staging.discard(flight.prepared);
    CanonicalUrl url = flight.url;
    if (status == 304 && flight.stale != null) {
      response.resume();
      revalidated(flight, response);
    } else if (status >= 500 || (status >= 200 && status < 400)) {
      response.resume();
      String why = status >= 500
          ? origin.where() + " answered " + status + " " + response.statusMessage()
          : origin.where() + " answered an unexpected " + status + " " + response.statusMessage();
      settleFailure(flight, new UpstreamFailure(502, why));
    } else {
      passThrough(response).onComplete(pass -> {
        cache.endWithoutBody(flight);
        if (pass.succeeded()) {
          flight.answer.complete(pass.result());
        } else {
          flight.answer.fail(UpstreamFailure.of(url, pass.cause()));
        }
        if (flight.routed() != null) {
          cache.router().failed(flight.routed(), new IOException(origin.where() + " answered " + status));
        }
      });
    }
  }

  /** A source failed: the router picks another for a routed flight, otherwise the flight fails. */
  private void sourceFailed(Flight flight, Origin origin, Throwable cause) {
    Transfer transfer = flight.transfer();
    flight.forgiveResumesIfMovedOn();
    if (!origin.peer() && transfer != null && transfer.state() == Transfer.State.STREAMING
        && flight.mayResumeUpstream(MAX_UPSTREAM_RESUMES)) {
      // A connection dropped mid-body (a server that closes after each response can lose the end of
      // a paused body in the client): ask again for the rest rather than fail every client.
      log.info("{} broke off {} at byte {} ({}); resuming with a Range request", origin.where(), flight.url,
          transfer.received(), cause.getMessage());
      feed(flight, origin);
      return;
    }
    if (flight.routed() != null && origin.peer() && (flight.transfer() == null
        || flight.transfer().state() == Transfer.State.STREAMING)) {
      flight.feedEnded();
      log.info("{} for {}: {}", origin.where(), flight.url, cause.getMessage());
      cache.router().sourceFailed(flight.routed(), cause);
    } else if (flight.transfer() == null) {
      staging.discard(flight.prepared);
      settleFailure(flight, cause);
    } else {
      flight.transfer().fail(cause);
    }
  }

  /**
   * Answers the flight's clients once {@code transfer} is verified whole, or with a 502 saying why not;
   * if that takes longer than {@link #VERIFY_HOLD_MILLIS}, with the transfer as it arrives.
   */
  private void answerWhenVerified(Flight flight, Transfer transfer, Disposition disposition) {
    long timer = vertx.setTimer(VERIFY_HOLD_MILLIS,
        t -> flight.answer.tryComplete(new Source.Live(transfer, disposition)));
    transfer.completion().onComplete(done -> {
      vertx.cancelTimer(timer);
      if (done.succeeded()) {
        flight.answer.tryComplete(new Source.Live(transfer, disposition));
        return;
      }
      Throwable cause = done.cause();
      String why = cause instanceof VerificationException
          ? "upstream " + flight.url.host() + " sent " + flight.url + " wrong: " + cause.getMessage() + "; "
              + flight.authority.source() + " lists " + flight.authority.sha256()
              + (flight.authority.size() >= 0 ? " (" + flight.authority.size() + " bytes)" : "") + "; nothing was kept"
          : String.valueOf(cause.getMessage());
      flight.answer.tryFail(cause instanceof UpstreamFailure ? cause : new UpstreamFailure(502, why));
    });
  }

  /** A held body from {@code origin} turned out wrong: the router picks the next source, from byte 0. */
  private boolean takeElsewhere(Flight flight, Origin origin, VerificationException wrong) {
    if (flight.isOver() || flight.routed() == null) {
      return false;
    }
    counters.verificationFailure();
    log.warn("{} sent a wrong copy of {}: {} ({}); taking it from the next source", origin.where(), flight.url,
        wrong.getMessage(), flight.authority == null ? "announced digest" : flight.authority.source());
    flight.feedEnded();
    cache.router().sourceFailed(flight.routed(), wrong);
    return true;
  }

  /** The answer to a Range request that continues the body from {@code from}. */
  private void resumed(Flight flight, Origin origin, HttpClientResponse response, long from, int generation) {
    Transfer transfer = flight.transfer();
    if (transfer.state() != Transfer.State.STREAMING) {
      discard(response);
      return;
    }
    int status = response.statusCode();
    long length = transfer.head().length();
    if (status == 206) {
      ContentRange range = ContentRange.parse(response.getHeader(HttpHeaders.CONTENT_RANGE));
      if (range == null || range.start() != from || (length >= 0 && range.total() >= 0 && range.total() != length)) {
        discard(response);
        sourceFailed(flight, origin, new IOException(origin.where() + " answered bytes=" + from
            + "- with Content-Range " + response.getHeader(HttpHeaders.CONTENT_RANGE)));
        return;
      }
      pipe(flight, response, origin, 0, generation);
    } else if (status == 200) {
      long declared = declaredLength(response);
      if (from == 0 && length >= 0 && declared >= 0 && declared != length) {
        // The body starts again (the last source's copy was wrong), but its readers were promised the
        // length the last source announced, which may have been a lie too: this source is not at fault.
        discard(response);
        IOException why = new IOException(origin.where() + " sent " + declared + " bytes for " + flight.url
            + ", but its readers were promised " + length + " by an earlier source");
        if (origin.peer()) {
          sourceFailed(flight, origin, why);
        } else {
          transfer.fail(why);
        }
        return;
      }
      if (!origin.peer() && changed(transfer.head(), response)) {
        discard(response);
        transfer.fail(new IOException(flight.url + " changed upstream while it was being fetched; try again"));
        return;
      }
      // No range support: the bytes already here are skipped as they come again.
      pipe(flight, response, origin, from, generation);
    } else {
      discard(response);
      sourceFailed(flight, origin, new IOException(origin.where() + " answered " + status + " "
          + response.statusMessage() + " when asked to resume at byte " + from));
    }
  }

  /** Whether upstream's validators say the object is not the one whose first bytes are here. */
  private static boolean changed(ResponseHead head, HttpClientResponse response) {
    String etag = response.getHeader(HttpHeaders.ETAG);
    if (head.etag() != null && etag != null) {
      return !head.etag().equals(etag);
    }
    String lastModified = response.getHeader(HttpHeaders.LAST_MODIFIED);
    return head.lastModified() != null && lastModified != null && !head.lastModified().equals(lastModified);
  }

  /** Gives up a streamed object that stays whole but unannounced for too long. */
  private void armDigestWait(CanonicalUrl url, Transfer transfer) {
    vertx.setPeriodic(1_000, timer -> {
      if (transfer.state() != Transfer.State.STREAMING) {
        vertx.cancelTimer(timer);
      } else if (transfer.waitingForDigest()) {
        vertx.cancelTimer(timer);
        vertx.setTimer(DIGEST_WAIT_MILLIS, t -> transfer.fail(new java.io.IOException(
            "no digest was announced for " + url + " within " + DIGEST_WAIT_MILLIS + " ms of it arriving whole")));
      }
    });
  }

  /** The first body: the transfer starts, and with it the answer to every waiting client. */
  private void receive(Flight flight, HttpClientResponse response, Origin origin, int generation) {
    ResponseHead head;
    try {
      head = headOf(response);
    } catch (IllegalArgumentException e) {
      response.request().reset();
      sourceFailed(flight, origin, new UpstreamFailure(502, origin.where() + ": " + e.getMessage()));
      return;
    }
    Expectation authority = flight.authority;
    if (authority != null && !authority.admitsLength(head.length())) {
      response.request().reset();
      String why = origin.where() + " sent " + head.length() + " bytes for " + flight.url + ", but "
          + authority.source() + " says " + authority.size() + " bytes (SHA-256 " + authority.sha256() + ")";
      if (origin.peer()) {
        sourceFailed(flight, origin, new VerificationException(why));
      } else {
        counters.verificationFailure();
        staging.discard(flight.prepared);
        settleFailure(flight, new UpstreamFailure(502, why));
      }
      return;
    }
    Future<Staging.Prepared> prepared = flight.prepared;
    // Quota for the announced length is set aside (evicting if needed) while the bytes already flow.
    Future<PartialFile> reserved = prepared.compose(p -> head.length() > 0
        ? staging.reserve(p, head.length())
        : Future.succeededFuture(p.partial()));
    Transfer transfer = new Transfer(prepared.map(Staging.Prepared::file), head);
    prepared.onSuccess(p -> transfer.storedAt(p.partial().path()));
    if (head.length() < 0) {
      // No length to reserve up front: the body takes room as it grows, and never more than the quota.
      transfer.limitBy(bytes -> prepared.compose(p -> staging.extend(p, bytes)),
          origin.where() + "'s body for " + flight.url);
    }
    if (authority != null) {
      transfer.expect(authority.sha256());
      if (origin.peer() && origin.expected() != null && flight.routed() != null) {
        // A complete holder's copy: nobody sees it before it is verified, so a wrong one is replaced
        // by the next source's without the client noticing. Content names give no length: the next
        // source must then send the length this one announced (see resumed).
        transfer.holdUntilVerified(wrong -> takeElsewhere(flight, origin, wrong));
      }
    } else if (origin.expected() != null) {
      transfer.expect(origin.expected());
    } else if (origin.peer()) {
      transfer.awaitDigest();
      if (flight.announced() != null) {
        transfer.expect(flight.announced());
      }
      armDigestWait(flight.url, transfer);
    }
    flight.receiveInto(transfer);
    transfer.retain(); // the flight's own hold, released once the object is committed or dropped
    transfer.completion().onComplete(done -> reserved.onComplete(r -> {
      PartialFile partial = r.succeeded() ? r.result() : prepared.succeeded() ? prepared.result().partial() : null;
      cache.finish(flight, partial, done.result(), done.failed() ? done.cause() : r.cause());
    }));
    Disposition disposition = origin.peer() ? Disposition.PEER
        : flight.stale == null ? Disposition.MISS : Disposition.REVALIDATED;
    flight.started.tryComplete();
    if (authority != null && !origin.peer()) {
      // Upstream's body of a file an authority describes reaches this node's clients once it is
      // verified, so that a wrong one is an answer (502, naming both digests), not a broken transfer;
      // but never later than VERIFY_HOLD_MILLIS, after which they follow it as it arrives (a client
      // waiting longer for its headers would time out on a large file: apt gives up after 30 s).
      // Peers follow it as it arrives in any case; the last byte waits for the check everywhere.
      answerWhenVerified(flight, transfer, disposition);
    } else if (!origin.peer() && cache.authorities().checksCopiesOf(flight.url)) {
      renewal.answerWhenAdopted(flight, transfer, disposition);
    } else {
      flight.answer.complete(new Source.Live(transfer, disposition));
    }
    pipe(flight, response, origin, 0, generation);
  }

  /** Moves {@code response}'s body into the flight's transfer, after skipping {@code skip} bytes. */
  private void pipe(Flight flight, HttpClientResponse response, Origin origin, long skip, int generation) {
    Transfer transfer = flight.transfer();
    flight.feedFrom(response);
    long[] skipping = {skip};
    response.handler(chunk -> {
      if (!flight.isCurrent(generation)) {
        return;
      }
      if (origin.peer()) {
        counters.peerBytes(chunk.length());
      } else {
        counters.upstreamBytes(chunk.length());
      }
      Buffer bytes = chunk;
      if (skipping[0] > 0) {
        if (bytes.length() <= skipping[0]) {
          skipping[0] -= bytes.length();
          return;
        }
        bytes = bytes.slice((int) skipping[0], bytes.length());
        skipping[0] = 0;
      }
      if (!transfer.append(bytes)) {
        response.pause();
      }
    });
    transfer.onDrained(() -> {
      if (flight.isCurrent(generation)) {
        response.resume();
      }
    });
    response.endHandler(v -> {
      if (!flight.isCurrent(generation)) {
        return;
      }
      flight.feedEnded();
      long length = transfer.head().length();
      if ((flight.routed() != null || !origin.peer()) && length >= 0 && transfer.received() < length) {
        sourceFailed(flight, origin, new IOException(origin.where() + " ended after " + transfer.received()
            + " of " + length + " bytes"));
      } else {
        transfer.end();
      }
    });
    response.exceptionHandler(e -> {
      if (flight.isCurrent(generation)) {
        flight.feedEnded();
        sourceFailed(flight, origin, e);
      }
    });
    response.resume();
  }

  private void revalidated(Flight flight, HttpClientResponse response) {
    String etag = response.getHeader(HttpHeaders.ETAG);
    String lastModified = response.getHeader(HttpHeaders.LAST_MODIFIED);
    staging.onWorker(() -> store.markValidated(flight.key, flight.startedAt, etag, lastModified)).onComplete(ar -> {
      cache.endWithoutBody(flight);
      if (ar.succeeded() && ar.result().isPresent()) {
        flight.answer.complete(new Source.Stored(ar.result().get(), Disposition.REVALIDATED));
      } else {
        flight.answer.fail(new UpstreamFailure(502, "the cached copy vanished during revalidation; try again"));
      }
    });
  }

  /** No body came: serve the stored copy if there is one (stale beats nothing for metadata), else fail. */
  private void settleFailure(Flight flight, Throwable cause) {
    cache.endWithoutBody(flight);
    counters.upstreamFailure();
    UpstreamFailure failure = UpstreamFailure.of(flight.url, cause);
    if (flight.stale != null) {
      log.warn("serving a stale copy of {}: {}", flight.url, failure.getMessage());
      flight.answer.complete(new Source.Stored(flight.stale, Disposition.STALE));
    } else {
      log.warn("{}: {}", flight.url, failure.getMessage());
      flight.answer.fail(failure);
    }
    if (flight.routed() != null) {
      cache.router().failed(flight.routed(), failure);
    }
  }

  /** Asks upstream for {@code url}'s headers only, for a client that wants no body of an uncached object. */
  Future<Source> head(CanonicalUrl url, String userAgent) {
    counters.upstreamRequest();
    return upstream.send(HttpMethod.HEAD, url, Validators.NONE, userAgent).compose(response -> {
      response.resume();
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      copy(response, headers, HttpHeaders.CONTENT_TYPE, HttpHeaders.CONTENT_LENGTH, HttpHeaders.ETAG,
          HttpHeaders.LAST_MODIFIED);
      int status = response.statusCode() >= 500 ? 502 : response.statusCode();
      return Future.<Source>succeededFuture(new Source.Passthrough(status, headers, Buffer.buffer()));
    }).recover(cause -> Future.failedFuture(UpstreamFailure.of(url, cause)));
  }

  /** Relays a non-content answer: its status, type and at most {@link #MAX_PASSTHROUGH_BODY} of its body. */
  private Future<Source> passThrough(HttpClientResponse response) {
    Promise<Source> result = Promise.promise();
    Buffer body = Buffer.buffer();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    copy(response, headers, HttpHeaders.CONTENT_TYPE, HttpHeaders.LOCATION, "WWW-Authenticate");
    response.handler(chunk -> {
      int room = MAX_PASSTHROUGH_BODY - body.length();
      if (room > 0) {
        body.appendBuffer(chunk.length() <= room ? chunk : chunk.slice(0, room));
      }
      if (body.length() >= MAX_PASSTHROUGH_BODY) {
        response.request().reset();
        result.tryComplete(new Source.Passthrough(response.statusCode(), headers, body));
      }
    });
    response.endHandler(v -> result.tryComplete(new Source.Passthrough(response.statusCode(), headers, body)));
    response.exceptionHandler(e -> result.tryComplete(new Source.Passthrough(response.statusCode(), headers, body)));
    response.resume();
    return result.future();
  }

  /** The response's Content-Length, or -1 when it has none or an invalid one. */
  private static long declaredLength(HttpClientResponse response) {
    try {
      return headOf(response).length();
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }

  private static ResponseHead headOf(HttpClientResponse response) {
    long length = -1;
    String declared = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid Content-Length '" + declared + "'");
      }
      if (length < 0) {
        throw new IllegalArgumentException("negative Content-Length " + length);
      }
    }
    return new ResponseHead(length, response.getHeader(HttpHeaders.CONTENT_TYPE), response.getHeader(HttpHeaders.ETAG),
        response.getHeader(HttpHeaders.LAST_MODIFIED));
  }

  private static void copy(HttpClientResponse from, MultiMap to, CharSequence... names) {
    for (CharSequence name : names) {
      String value = from.getHeader(name);
      if (value != null) {
        to.set(name, value);
      }
    }
  }
}
