package dev.potluck.node.http;

import dev.potluck.node.cache.Disposition;
import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.cache.Source;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import dev.potluck.scheduler.freshness.RequestCacheControl;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer listener's handler: other nodes fetch objects here by key, complete or still arriving,
 * with Range, and mutable metadata this node keeps for the LAN (its keeper role). Nothing is ever
 * looked up by path, nothing is fetched on a peer's behalf that this node's own clients did not ask
 * for, and with a cluster secret a request without the right token is refused.
 *
 * <p>Uploads are held to the node's {@link UploadLimits}. Each GET for an object this node has takes
 * one of {@link UploadLimits#maxUploads} slots until its response ends or its connection closes,
 * whichever comes first (a 304 or 416 answer gives it back at once); with every slot taken, a GET is
 * answered 503 with {@code Retry-After: 1} so the peer can try again or go to another holder. HEAD,
 * and requests refused before the object is found (405, 404, 403), take no slot. With a rate
 * cap, all bodies together draw on one token bucket, and stored objects are read and sent in paced
 * chunks instead of zero-copy. The {@link #activeUploads load figures} the cluster gossips are
 * counted here.
 *
 * <p>Confined to the node's context: the handler runs on it, and the load figures must be read on it.
 */
public final class PeerFront implements Handler<HttpServerRequest> {

  private static final Logger log = LoggerFactory.getLogger(PeerFront.class);

  private final LocalCache cache;
  private final ObjectResponder responder;
  private final byte[] secret;
  private final Uploads uploads;
  private final ConnectionGuard guard;
  /** False when the node runs with --no-share: it serves no object to anyone. */
  private final boolean share;

  /**
   * @param secret the cluster secret, or null
   * @param limits the caps on uploads to peers ({@link UploadLimits#NONE} for none)
   */
  public PeerFront(Vertx vertx, LocalCache cache, long stallTimeoutMillis, byte[] secret, UploadLimits limits) {
    this(vertx, cache, stallTimeoutMillis, secret, limits, System::nanoTime);
  }

  /**
   * As the other constructor, with the clock the rate cap and {@link #uploadBytesPerSecond} read.
   *
   * @param nanoClock a monotonic clock in nanoseconds
   */
  public PeerFront(Vertx vertx, LocalCache cache, long stallTimeoutMillis, byte[] secret, UploadLimits limits,
      LongSupplier nanoClock) {
    this(vertx, cache, stallTimeoutMillis, secret, limits, nanoClock, ConnectionGuard.none(), true, null);
  }

  /**
   * As the other constructors, on a listener whose connections {@code guard} watches (it then runs the
   * close actions of this front's upload slots).
   *
   * @param share false for a node run with {@code --no-share}: every object request is answered 403
   * @param channels the peer connections' channels (growing bodies are then sent from disk), or null
   */
  public PeerFront(Vertx vertx, LocalCache cache, long stallTimeoutMillis, byte[] secret, UploadLimits limits,
      LongSupplier nanoClock, ConnectionGuard guard, boolean share, ConnectionChannels channels) {
    this.guard = guard;
    this.share = share;
    if (limits == null) {
      throw new IllegalArgumentException("the peer front needs upload limits (UploadLimits.NONE for none)");
    }
    this.cache = cache;
    this.uploads = new Uploads(limits, nanoClock);
    this.responder = new ObjectResponder(vertx, stallTimeoutMillis, uploads, channels);
    this.secret = secret == null ? null : secret.clone();
  }

  /** Bodies being sent to peers right now. Call on the node's context. */
  public int activeUploads() {
    return uploads.active();
  }

  /**
   * Body bytes handed to peers' connections since the start. A zero-copy file send (no rate cap) counts
   * once it has gone out whole, which may be just after its slot is released, and not at all if it is
   * cut off. Call on the node's context.
   */
  public long uploadedBytes() {
    return uploads.uploadedBytes();
  }

  /** Body bytes per second sent to peers over the last 3 seconds. Call on the node's context. */
  public long uploadBytesPerSecond() {
    return uploads.bytesPerSecond();
  }

  /** The caps this front keeps to. */
  public UploadLimits uploadLimits() {
    return uploads.limits();
  }

  @Override
  public void handle(HttpServerRequest request) {
    String remote = request.remoteAddress() == null ? "?" : request.remoteAddress().hostAddress();
    log.debug("peer {} {} {}", remote, request.method(), request.uri());
    HttpMethod method = request.method();
    ObjectKey checked = PeerApi.checkKeyOf(request.uri());
    if (checked != null && method == HttpMethod.POST) {
      if (authorised(request, remote)) {
        check(request, remote, checked);
      }
      return;
    }
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
      request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
      Errors.send(request, 405, "the peer API serves GET and HEAD of " + PeerApi.OBJECTS_PREFIX + "{key}, and POST of "
          + PeerApi.CHECK_PREFIX + "{key}");
      return;
    }
    ObjectKey metadataKey = PeerApi.metadataKeyOf(request.uri());
    if (metadataKey != null && method == HttpMethod.GET) {
      if (!share) {
        // Not kept here: the asker revalidates upstream itself.
        Errors.send(request, 404, "this node runs with --no-share: it keeps no metadata for its peers");
      } else if (authorised(request, remote)) {
        keep(request, remote, metadataKey);
      }
      return;
    }
    ObjectKey key = PeerApi.keyOf(request.uri());
    if (key == null) {
      Errors.send(request, 404, "the peer API serves objects by key only: " + PeerApi.OBJECTS_PREFIX + "{64 hex digits}");
      return;
    }
    if (!authorised(request, remote)) {
      return;
    }
    if (!share) {
      Errors.send(request, 403, "this node runs with --no-share: it takes files from its peers and serves them none;"
          + " ask another member");
      return;
    }
    // A fetch granted here a moment ago may not have its first bytes yet: wait for them.
    cache.peekSoon(key).onComplete(ar -> serve(request, method, remote, key, ar.result()));
  }

  /** With a secret, whether the request carries a current token for itself; answers 403 when not. */
  private boolean authorised(HttpServerRequest request, String remote) {
    if (secret == null) {
      return true;
    }
    String token = request.getHeader(PeerApi.TOKEN_HEADER);
    if (PeerApi.tokenMatches(secret, request.method().name(), request.uri(), token)) {
      return true;
    }
    Long at = PeerApi.tokenTime(token);
    long skew = at == null ? 0 : at - System.currentTimeMillis() / 1000;
    if (at != null && Math.abs(skew) > PeerApi.TOKEN_WINDOW_SECONDS) {
      log.warn("refused peer request from {}: its token is {} s {} this host's clock (replayed, or a clock that"
          + " needs NTP)", remote, Math.abs(skew), skew < 0 ? "behind" : "ahead of");
      Errors.send(request, 403, "the token's time is " + Math.abs(skew) + " s away from this node's clock; tokens are"
          + " good for " + PeerApi.TOKEN_WINDOW_SECONDS + " s (are both clocks set?)");
    } else {
      log.warn("refused peer request from {}: missing or wrong cluster token", remote);
      Errors.send(request, 403, "this cluster needs a token made with its secret");
    }
    return false;
  }

  /**
   * A peer takes its copy of mutable metadata from this node, the LAN's keeper of that URL: answered
   * with this node's copy, revalidated first if older than the peer allows; 404 for a URL this node
   * does not keep (it never fetches a URL for a peer that its own clients did not ask for).
   */
  private void keep(HttpServerRequest request, String remote, ObjectKey urlKey) {
    CanonicalUrl url;
    long maxAgeSeconds;
    try {
      url = CanonicalUrl.parse(request.getHeader(PeerApi.URL_HEADER));
      maxAgeSeconds = Long.parseLong(request.getHeader(PeerApi.MAX_AGE_HEADER));
    } catch (RuntimeException e) {
      Errors.send(request, 400, "a metadata request needs its URL in " + PeerApi.URL_HEADER + " and a number of"
          + " seconds in " + PeerApi.MAX_AGE_HEADER);
      return;
    }
    if (!ObjectKey.of(url).equals(urlKey) || maxAgeSeconds < 0) {
      Errors.send(request, 400, "the key in the path is not the key of " + PeerApi.URL_HEADER);
      return;
    }
    cache.keepFor(url, new RequestCacheControl(false, maxAgeSeconds)).onComplete(ar -> {
      if (ar.failed()) {
        responder.respondFailure(request, ar.cause());
      } else if (ar.result() == null) {
        Errors.send(request, 404, "this node does not keep " + url);
      } else if (takeSlot(request, remote)) {
        log.debug("kept {} for peer {}", url, remote);
        request.response().putHeader(PeerApi.VALIDATED_AT_HEADER, Long.toString(ar.result().meta().validatedAtMillis()));
        responder.respond(request, new Source.Stored(ar.result(), Disposition.HIT));
      }
    });
  }

  /** A peer found this node's copy of {@code key} wrong: re-read it, and drop it if it is. */
  private void check(HttpServerRequest request, String remote, ObjectKey key) {
    log.info("peer {} says this node's copy of {} failed its check: re-reading it", remote, key);
    cache.recheck(key).onComplete(ar -> {
      if (ar.failed()) {
        request.response().putHeader(HttpHeaders.RETRY_AFTER, "60");
        Errors.send(request, 503, ar.cause().getMessage());
      } else {
        request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end("{\"key\":\"" + key.id() + "\",\"kept\":" + ar.result() + "}\n");
      }
    });
  }

  private void serve(HttpServerRequest request, HttpMethod method, String remote, ObjectKey key, Source source) {
    if (source == null) {
      Errors.send(request, 404, "this node does not hold " + key.id());
      return;
    }
    if (method == HttpMethod.GET && !takeSlot(request, remote)) {
      return;
    }
    if (method == HttpMethod.GET && source instanceof Source.Stored stored && fromFirstByte(request)
        && !cache.claimShare(stored.object())) {
      // Published with a max share count, reached a moment ago by another peer's request.
      Errors.send(request, 404, "this node no longer shares " + key.id() + ": it was served as often as its publisher allowed");
      return;
    }
    if (source instanceof Source.Stored stored) {
      request.response()
          .putHeader(PeerApi.SIZE_HEADER, Long.toString(stored.object().size()))
          .putHeader(PeerApi.SHA256_HEADER, stored.object().meta().sha256().hex());
    }
    responder.respond(request, source);
  }

  /** Whether a GET asks for the body from its start: a new share, not a resumption of one. */
  private static boolean fromFirstByte(HttpServerRequest request) {
    String range = request.getHeader("Range");
    return range == null || range.replace(" ", "").startsWith("bytes=0-");
  }

  /**
   * Takes an upload slot for {@code request}, released when its response ends or its connection
   * closes; or, with none free, answers 503 and returns false.
   */
  private boolean takeSlot(HttpServerRequest request, String remote) {
    Uploads.Slot slot = uploads.tryStart();
    if (slot == null) {
      int max = uploads.limits().maxUploads();
      log.debug("refused peer {}: {} uploads under way", remote, max);
      request.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
      Errors.send(request, 503, "this node is already uploading to " + max + (max == 1 ? " peer" : " peers")
          + ", its most at once; try again shortly or take the object from another holder");
      return false;
    }
    // The end handler runs when the response ends, or when the connection closes before it does. A
    // zero-copy file send cut off by a closing connection runs neither, so the connection's close
    // handler releases too. HTTP/1.1 answers a connection's requests one at a time, so each request
    // may take over that handler from the one before it, whose slot is already free.
    request.response().endHandler(v -> slot.release());
    guard.whenClosed(request.connection(), slot::release);
    return true;
  }
}
