package dev.potluck.node.cache;

import dev.potluck.node.store.FileStore;
import dev.potluck.node.store.ObjectMeta;
import dev.potluck.node.store.PartialFile;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.transfer.ResponseHead;
import dev.potluck.node.transfer.Transfer;
import dev.potluck.node.transfer.VerificationException;
import dev.potluck.node.upstream.Upstream;
import dev.potluck.node.upstream.UpstreamFailure;
import dev.potluck.node.upstream.Validators;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.freshness.FreshnessPolicy;
import dev.potluck.scheduler.freshness.ObjectKind;
import dev.potluck.scheduler.freshness.RequestCacheControl;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's cache: answers a request from the store, from a fetch already under way, or by starting
 * the one upstream fetch for that object (single flight), and stores what arrives.
 *
 * <p>Confined to one Vert.x context: {@link #open} must be called on it, and every callback runs on it.
 * Blocking store I/O goes to worker threads and its results come back to the context.
 */
public final class LocalCache {

  private static final Logger log = LoggerFactory.getLogger(LocalCache.class);

  /** The most of an upstream error page relayed to the client (the rest is dropped). */
  static final int MAX_PASSTHROUGH_BODY = 64 * 1024;

  private final Vertx vertx;
  private final FileStore store;
  private final Upstream upstream;
  private final FreshnessPolicy freshness;
  private final LongSupplier clock;
  private final Map<ObjectKey, Flight> flights = new HashMap<>();
  private final CacheCounters counters = new CacheCounters();

  /** How long a streamed object, whole, may wait for its digest before it is given up. */
  static final long DIGEST_WAIT_MILLIS = 30_000;

  /** One upstream fetch in progress and everyone waiting for it. */
  private static final class Flight {
    final Promise<Source> answer = Promise.promise();
    /** A digest announced before the transfer existed, applied when it does. */
    Sha256 announced;
    /** The partial file, created while the upstream request is under way, so no time is lost after. */
    Future<Prepared> prepared;
    Transfer transfer;
  }

  private record Prepared(PartialFile partial, AsyncFile file) {}

  /**
   * Where a flight's bytes come from: upstream (the object's own URL), or a peer's API with the
   * digest the object must have.
   */
  private record Origin(CanonicalUrl requestUrl, Map<String, String> headers, Sha256 expected, boolean digestLater) {
    static Origin upstream(CanonicalUrl url) {
      return new Origin(url, Map.of(), null, false);
    }
  }

  public LocalCache(Vertx vertx, FileStore store, Upstream upstream, FreshnessPolicy freshness, LongSupplier clock) {
    this.vertx = vertx;
    this.store = store;
    this.upstream = upstream;
    this.freshness = freshness;
    this.clock = clock;
  }

  /**
   * Finds the answer for {@code url}. Fails with {@link UpstreamFailure} when upstream cannot deliver
   * and no stored copy can stand in.
   *
   * @param headOnly the client wants headers only: an uncached object is asked of upstream with HEAD
   *     and not fetched
   */
  public Future<Source> open(CanonicalUrl url, RequestCacheControl cacheControl, boolean headOnly, String userAgent) {
    ObjectKey key = ObjectKey.of(url);
    Flight flight = flights.get(key);
    if (flight != null) {
      return flight.answer.future().map(s -> s instanceof Source.Live live
          ? new Source.Live(live.transfer(), Disposition.JOINED) : s).andThen(ar -> count(ar.result()));
    }
    Optional<StoredObject> stored = store.get(key);
    if (stored.isPresent()) {
      StoredObject object = stored.get();
      FreshnessPolicy.Decision decision = freshness.decide(ObjectKind.ofPath(url.pathAndQuery()),
          object.meta().validatedAtMillis(), clock.getAsLong(), cacheControl);
      if (decision == FreshnessPolicy.Decision.SERVE) {
        Source hit = new Source.Stored(object, Disposition.HIT);
        count(hit);
        return Future.succeededFuture(hit);
      }
      return fetch(key, url, object, userAgent, Origin.upstream(url)).andThen(ar -> count(ar.result()));
    }
    if (headOnly) {
      return head(url, userAgent).andThen(ar -> count(ar.result()));
    }
    return fetch(key, url, null, userAgent, Origin.upstream(url)).andThen(ar -> count(ar.result()));
  }

  /**
   * Takes {@code url}'s object from a peer's API instead of upstream, requiring {@code sha256}: a body
   * that differs is discarded and its readers get an error. Joins a fetch already under way and
   * answers a stored copy directly.
   *
   * @param secret the cluster secret, or null
   */
  public Future<Source> fetchFromPeer(CanonicalUrl url, String peerHost, int peerPort, byte[] secret, Sha256 sha256) {
    return fromPeer(url, peerHost, peerPort, secret, sha256);
  }

  /**
   * Streams {@code url}'s object from a peer while it is still being fetched there. Its digest is not
   * known yet: the object completes only once {@link #expectDigest} names it (the arbiter announces
   * it when the fetcher is done), and fails if none comes within {@link #DIGEST_WAIT_MILLIS} of the
   * body being whole.
   */
  public Future<Source> streamFromPeer(CanonicalUrl url, String peerHost, int peerPort, byte[] secret) {
    return fromPeer(url, peerHost, peerPort, secret, null);
  }

  /** The digest a streamed object must have; applied now, or when its transfer starts. */
  public void expectDigest(ObjectKey key, Sha256 sha256) {
    Flight flight = flights.get(key);
    if (flight == null) {
      return;
    }
    if (flight.transfer != null) {
      flight.transfer.expect(sha256);
    } else {
      flight.announced = sha256;
    }
  }

  private Future<Source> fromPeer(CanonicalUrl url, String peerHost, int peerPort, byte[] secret, Sha256 sha256) {
    ObjectKey key = ObjectKey.of(url);
    Flight flight = flights.get(key);
    if (flight != null) {
      return flight.answer.future();
    }
    Optional<StoredObject> stored = store.get(key);
    if (stored.isPresent()) {
      return Future.succeededFuture(new Source.Stored(stored.get(), Disposition.HIT));
    }
    String path = PeerApi.objectPath(key);
    CanonicalUrl peerUrl = CanonicalUrl.parse("http://" + (peerHost.contains(":") ? "[" + peerHost + "]" : peerHost)
        + ":" + peerPort + path);
    Map<String, String> headers = secret == null ? Map.of() : Map.of(PeerApi.TOKEN_HEADER, PeerApi.token(secret, "GET", path));
    return fetch(key, url, null, null, new Origin(peerUrl, headers, sha256, sha256 == null));
  }

  /**
   * What this node has of {@code key} for a peer: the stored object, or the body still arriving, or
   * null. Never fetches, never revalidates: a peer asks for what it was told this node holds.
   */
  public Source peek(ObjectKey key) {
    Flight flight = flights.get(key);
    if (flight != null && flight.transfer != null) {
      return new Source.Live(flight.transfer, Disposition.JOINED);
    }
    return store.get(key).<Source>map(o -> new Source.Stored(o, Disposition.HIT)).orElse(null);
  }

  public CacheCounters counters() {
    return counters;
  }

  /** Fetches in progress right now. */
  public int activeFetches() {
    return flights.size();
  }

  private Future<Source> fetch(ObjectKey key, CanonicalUrl url, StoredObject stale, String userAgent, Origin origin) {
    Flight flight = new Flight();
    flights.put(key, flight);
    flight.prepared = prepare(key);
    long startedAt = clock.getAsLong();
    Validators validators = stale == null ? Validators.NONE
        : new Validators(stale.meta().etag(), stale.meta().lastModified());
    counters.upstreamRequest();
    upstream.send(HttpMethod.GET, origin.requestUrl(), validators, userAgent, origin.headers()).onComplete(ar -> {
      if (ar.failed()) {
        discardPrepared(flight);
        settleFailure(key, flight, url, stale, ar.cause());
        return;
      }
      HttpClientResponse response = ar.result();
      int status = response.statusCode();
      if (status == 200) {
        receive(key, flight, url, response, startedAt, stale == null ? Disposition.MISS : Disposition.REVALIDATED,
            origin);
        return;
      }
      discardPrepared(flight);
      if (status == 304 && stale != null) {
        response.resume();
        revalidated(key, flight, response, startedAt);
      } else if (status >= 500 || (status >= 200 && status < 400)) {
        response.resume();
        String why = status >= 500
            ? "upstream " + url.host() + " answered " + status + " " + response.statusMessage()
            : "upstream " + url.host() + " answered an unexpected " + status + " " + response.statusMessage();
        settleFailure(key, flight, url, stale, new UpstreamFailure(502, why));
      } else {
        passThrough(response).onComplete(pass -> {
          flights.remove(key);
          if (pass.succeeded()) {
            flight.answer.complete(pass.result());
          } else {
            flight.answer.fail(UpstreamFailure.of(url, pass.cause()));
          }
        });
      }
    });
    return flight.answer.future();
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

  /** Creates and opens the partial file on a worker thread. */
  private Future<Prepared> prepare(ObjectKey key) {
    return onWorker(() -> store.createPartial(key, 0))
        .compose(partial -> vertx.fileSystem()
            .open(partial.path().toString(), new OpenOptions().setRead(true).setWrite(true).setCreate(false))
            .map(file -> new Prepared(partial, file))
            .andThen(opened -> {
              if (opened.failed()) {
                store.discard(partial);
              }
            }));
  }

  /** Upstream sent no body to store: the prepared partial file goes. */
  private void discardPrepared(Flight flight) {
    flight.prepared.onSuccess(p -> p.file().close().onComplete(v -> onWorker(() -> {
      store.discard(p.partial());
      return null;
    })));
  }

  private void receive(ObjectKey key, Flight flight, CanonicalUrl url, HttpClientResponse response, long startedAt,
      Disposition disposition, Origin origin) {
    ResponseHead head;
    try {
      head = headOf(response);
    } catch (IllegalArgumentException e) {
      response.request().reset();
      discardPrepared(flight);
      settleFailure(key, flight, url, null, new UpstreamFailure(502, "upstream " + url.host() + ": " + e.getMessage()));
      return;
    }
    Future<Prepared> prepared = flight.prepared;
    // Quota for the announced length is set aside (evicting if needed) while the bytes already flow.
    Future<PartialFile> reserved = prepared.compose(p -> head.length() > 0
        ? onWorker(() -> store.reserve(p.partial(), head.length()))
        : Future.succeededFuture(p.partial()));
    Transfer transfer = new Transfer(prepared.map(Prepared::file), head);
    if (origin.expected() != null) {
      transfer.expect(origin.expected());
    } else if (origin.digestLater()) {
      transfer.awaitDigest();
      if (flight.announced != null) {
        transfer.expect(flight.announced);
      }
      armDigestWait(url, transfer);
    }
    flight.transfer = transfer;
    transfer.retain(); // the flight's own hold, released once the object is committed or dropped
    response.handler(chunk -> {
      counters.upstreamBytes(chunk.length());
      if (!transfer.append(chunk)) {
        response.pause();
      }
    });
    transfer.onDrained(response::resume);
    response.endHandler(v -> transfer.end());
    response.exceptionHandler(transfer::fail);
    transfer.completion().onComplete(done -> reserved.onComplete(r -> {
      PartialFile partial = r.succeeded() ? r.result() : prepared.succeeded() ? prepared.result().partial() : null;
      finish(key, url, transfer, partial, response, done.result(), startedAt,
          done.failed() ? done.cause() : r.cause());
    }));
    flight.answer.complete(new Source.Live(transfer, disposition));
    response.resume();
  }

  private void finish(ObjectKey key, CanonicalUrl url, Transfer transfer, PartialFile partial,
      HttpClientResponse response, Sha256 sha256, long startedAt, Throwable failure) {
    if (failure != null || partial == null) {
      counters.upstreamFailure();
      if (failure instanceof VerificationException) {
        counters.verificationFailure();
      }
      log.warn("fetching {} failed: {}", url, failure == null ? "no partial file" : failure.getMessage());
      response.request().reset();
      onWorker(() -> {
        if (partial != null) {
          store.discard(partial);
        }
        return null;
      }).onComplete(v -> release(key, transfer));
      return;
    }
    ResponseHead head = transfer.head();
    ObjectMeta meta = new ObjectMeta(url.toString(), transfer.received(), sha256, head.contentType(), head.etag(),
        head.lastModified(), clock.getAsLong(), startedAt);
    onWorker(() -> store.commit(partial, meta)).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("could not keep {} in the cache: {}", url, ar.cause().toString());
      } else {
        log.debug("stored {} ({} bytes, sha256 {})", url, meta.size(), sha256);
      }
      release(key, transfer);
    });
  }

  private void release(ObjectKey key, Transfer transfer) {
    flights.remove(key);
    transfer.release();
  }

  private void revalidated(ObjectKey key, Flight flight, HttpClientResponse response, long startedAt) {
    String etag = response.getHeader(HttpHeaders.ETAG);
    String lastModified = response.getHeader(HttpHeaders.LAST_MODIFIED);
    onWorker(() -> store.markValidated(key, startedAt, etag, lastModified)).onComplete(ar -> {
      flights.remove(key);
      if (ar.succeeded() && ar.result().isPresent()) {
        flight.answer.complete(new Source.Stored(ar.result().get(), Disposition.REVALIDATED));
      } else {
        flight.answer.fail(new UpstreamFailure(502, "the cached copy vanished during revalidation; try again"));
      }
    });
  }

  /** Upstream failed: serve the stored copy if there is one (stale beats nothing for metadata), else fail. */
  private void settleFailure(ObjectKey key, Flight flight, CanonicalUrl url, StoredObject stale, Throwable cause) {
    flights.remove(key);
    counters.upstreamFailure();
    UpstreamFailure failure = UpstreamFailure.of(url, cause);
    if (stale != null) {
      log.warn("serving a stale copy of {}: {}", url, failure.getMessage());
      flight.answer.complete(new Source.Stored(stale, Disposition.STALE));
    } else {
      log.warn("{}: {}", url, failure.getMessage());
      flight.answer.fail(failure);
    }
  }

  private Future<Source> head(CanonicalUrl url, String userAgent) {
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

  /**
   * Runs store I/O on a worker thread, unordered: work for different keys must not queue behind one
   * another's fsyncs, and work for one key is already sequenced by the futures that chain it.
   */
  private <T> Future<T> onWorker(java.util.concurrent.Callable<T> task) {
    return vertx.executeBlocking(task, false);
  }

  private void count(Source source) {
    if (source != null) {
      counters.answered(source.disposition());
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
