package dev.potluck.node.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow or idle clients from holding a listener's connections: a client that sends its request
 * head slowly (slowloris), or opens connections and says nothing, cannot exhaust them.
 *
 * <ul>
 *   <li>A connection must deliver a complete request head within {@code headTimeoutMillis} of opening,
 *       or of its last response ending; otherwise it is closed. A request being answered is never cut
 *       by this (the stall and idle timeouts watch it).
 *   <li>At most {@code maxConnections} are open at once. One more arriving takes the place of the
 *       connection that has waited longest for a request head, closing it; only when every connection
 *       is in the middle of a request is the newcomer closed instead. So a flood of silent connections
 *       can delay a real client by a reconnect, never lock it out.
 * </ul>
 * Memory per waiting connection is bounded by the listener's header size limits.
 *
 * <p>Confined to the listener's context: {@link #connected} and the handler from {@link #watch} run on
 * it, and so does the sweep timer.
 */
public final class ConnectionGuard {

  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
  private static final long SWEEP_MILLIS = 1_000;

  private final String listener;
  private final int maxConnections;
  private final long headTimeoutMillis;
  private final LongSupplier clock;
  private final Map<HttpConnection, Watched> open = new IdentityHashMap<>();
  private long closedForTimeout;
  private long closedForRoom;

  /** One connection's state. */
  private static final class Watched {
    final HttpConnection connection;
    /** The request last handed on, or null before the first. */
    HttpServerRequest current;
    /** When the connection began waiting for a request head, or -1 while a request is answered. */
    long waitingSince;
    Runnable onClose;

    Watched(HttpConnection connection, long now) {
      this.connection = connection;
      this.waitingSince = now;
    }

    /**
     * Waiting for a request head: none yet, or the last one answered (or its connection gone). A
     * connection a CONNECT turned into a tunnel never is: it carries no more requests, and the
     * tunnel's own idle timeout governs it.
     */
    boolean waiting(long now) {
      if (waitingSince < 0 && current.method() == HttpMethod.CONNECT && current.response().getStatusCode() == 200) {
        return false;
      }
      if (waitingSince < 0 && (current.response().ended() || current.response().closed())) {
        waitingSince = now;
      }
      return waitingSince >= 0;
    }
  }

  /**
   * @param listener names the listener in logs
   * @param clock milliseconds, monotonic
   */
  public ConnectionGuard(Vertx vertx, String listener, int maxConnections, long headTimeoutMillis, LongSupplier clock) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("a listener needs room for at least one connection, not " + maxConnections);
    }
    if (headTimeoutMillis < 1) {
      throw new IllegalArgumentException("the request head timeout must be positive, not " + headTimeoutMillis + " ms");
    }
    this.listener = listener;
    this.maxConnections = maxConnections;
    this.headTimeoutMillis = headTimeoutMillis;
    this.clock = clock;
    if (vertx != null) {
      vertx.setPeriodic(SWEEP_MILLIS, t -> sweep());
    }
  }

  /** A guard that watches nothing: {@link #whenClosed} falls back to the connection's own close handler. */
  public static ConnectionGuard none() {
    return new ConnectionGuard(null, "none", Integer.MAX_VALUE, Long.MAX_VALUE, () -> 0);
  }

  /** Call from the server's connection handler. */
  public void connected(HttpConnection connection) {
    long now = clock.getAsLong();
    if (open.size() >= maxConnections && !closeLongestWaiting(now)) {
      closedForRoom++;
      log.warn("{} listener: {} connections, all busy with requests: closing a new one from {}", listener,
          open.size(), connection.remoteAddress());
      connection.close();
      return;
    }
    Watched watched = new Watched(connection, now);
    open.put(connection, watched);
    connection.closeHandler(v -> {
      open.remove(connection);
      if (watched.onClose != null) {
        watched.onClose.run();
      }
    });
  }

  /** Wraps {@code handler}: each request marks its connection busy until its response ends. */
  public Handler<HttpServerRequest> watch(Handler<HttpServerRequest> handler) {
    return request -> {
      Watched watched = open.get(request.connection());
      if (watched != null) {
        watched.current = request;
        watched.waitingSince = -1;
      }
      handler.handle(request);
    };
  }

  /**
   * Runs {@code action} when {@code connection} closes, replacing what an earlier request on it set
   * (HTTP/1.1 answers one request at a time). For a connection this guard does not watch, that is the
   * connection's own close handler.
   */
  public void whenClosed(HttpConnection connection, Runnable action) {
    Watched watched = open.get(connection);
    if (watched == null) {
      connection.closeHandler(v -> action.run());
    } else {
      watched.onClose = action;
    }
  }

  /** Connections open now. */
  public int open() {
    return open.size();
  }

  /** Connections closed since the start for sending no request head in time. */
  public long closedForTimeout() {
    return closedForTimeout;
  }

  /** Connections closed since the start to make room, or for lack of it. */
  public long closedForRoom() {
    return closedForRoom;
  }

  private boolean closeLongestWaiting(long now) {
    Watched longest = null;
    for (Watched w : open.values()) {
      if (w.waiting(now) && (longest == null || w.waitingSince < longest.waitingSince)) {
        longest = w;
      }
    }
    if (longest == null) {
      return false;
    }
    closedForRoom++;
    if (closedForRoom == 1 || closedForRoom % 1_000 == 0) {
      log.warn("{} listener: {} connections open, its most: closing the one that waited longest for a request"
          + " ({} closed so far)", listener, open.size(), closedForRoom);
    }
    close(longest);
    return true;
  }

  private void sweep() {
    long now = clock.getAsLong();
    Iterator<Watched> it = open.values().iterator();
    int timedOut = 0;
    while (it.hasNext()) {
      Watched w = it.next();
      if (w.waiting(now) && now - w.waitingSince >= headTimeoutMillis) {
        it.remove();
        timedOut++;
        closeQuietly(w);
      }
    }
    if (timedOut > 0) {
      closedForTimeout += timedOut;
      log.debug("{} listener: closed {} connection(s) that sent no request head within {} ms", listener, timedOut,
          headTimeoutMillis);
    }
  }

  private void close(Watched w) {
    open.remove(w.connection);
    closeQuietly(w);
  }

  /** Closes a waiting connection; its close handler still runs what {@link #whenClosed} registered. */
  private static void closeQuietly(Watched w) {
    w.connection.close();
  }
}
