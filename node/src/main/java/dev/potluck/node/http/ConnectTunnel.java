package dev.potluck.node.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code CONNECT host:port}: a pass-through TCP tunnel, so that a client's {@code https://} sources
 * (and dnf's metalinks) keep working through the proxy unchanged. What travels inside is TLS between
 * the client and the server: the node neither caches nor shares it (mirror mode does that for https
 * repositories). Only clients the front door already allowed get here; a client that is not on
 * loopback may not tunnel to this host's own loopback or unspecified addresses, which it could not
 * reach otherwise.
 */
final class ConnectTunnel {

  private static final Logger log = LoggerFactory.getLogger(ConnectTunnel.class);

  private final Vertx vertx;
  private final NetClient client;

  /** {@code timeoutMillis}: the most a connect may take and a tunnel may stay silent both ways. */
  ConnectTunnel(Vertx vertx, long timeoutMillis) {
    this.vertx = vertx;
    this.client = vertx.createNetClient(new NetClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
  }

  /** Opens the tunnel {@code request} asks for, or answers why not; {@code loopbackClient}: the client is on this host. */
  void open(HttpServerRequest request, boolean loopbackClient) {
    String target = request.uri();
    int colon = target.lastIndexOf(':');
    int port = colon < 0 ? -1 : port(target.substring(colon + 1));
    String host = colon < 0 ? "" : target.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (port < 1 || host.isEmpty()) {
      Errors.send(request, 400, "CONNECT needs host:port, not '" + target + "'");
      return;
    }
    String name = host;
    // Name resolution blocks: off the event loop.
    vertx.executeBlocking(() -> InetAddress.getByName(name), false)
        .recover(e -> Future.failedFuture(new TunnelRefused(502, "cannot resolve " + name + ": " + e.getMessage())))
        .compose(address -> {
          if (!loopbackClient && (address.isLoopbackAddress() || address.isAnyLocalAddress())) {
            return Future.failedFuture(new TunnelRefused(403, "CONNECT to this host's own " + address.getHostAddress()
                + " is for clients on this host only"));
          }
          return client.connect(port, address.getHostAddress()).recover(e -> Future.failedFuture(
              new TunnelRefused(502, "cannot connect to " + target + ": " + e.getMessage())));
        })
        .onFailure(e -> {
          int status = e instanceof TunnelRefused refused ? refused.status : 502;
          log.info("CONNECT {} from {} refused: {}", target, request.remoteAddress(), e.getMessage());
          Errors.send(request, status, e.getMessage());
        })
        .onSuccess(upstream -> request.toNetSocket().onComplete(ar -> {
          if (ar.failed()) {
            upstream.close();
            return;
          }
          log.debug("CONNECT {} from {}: tunnel open", target, request.remoteAddress());
          splice(ar.result(), upstream);
        }));
  }

  /** Copies both ways at the pace of the slower side; either side closing closes the other. */
  private static void splice(NetSocket client, NetSocket upstream) {
    client.pipeTo(upstream);
    upstream.pipeTo(client);
    client.closeHandler(v -> upstream.close());
    upstream.closeHandler(v -> client.close());
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text);
      return port <= 65535 ? port : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static final class TunnelRefused extends RuntimeException {
    final int status;

    TunnelRefused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }
}
