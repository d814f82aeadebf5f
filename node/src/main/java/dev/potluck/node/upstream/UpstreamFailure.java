package dev.potluck.node.upstream;

import dev.potluck.protocol.CanonicalUrl;
import io.netty.handler.timeout.TimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;

/**
 * An upstream could not deliver: what the client is told ({@code 502} or {@code 504}) and a message
 * naming the upstream and the cause.
 */
public final class UpstreamFailure extends RuntimeException {

  private final int status;

  public UpstreamFailure(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }

  /** Translates a transport error from talking to {@code url}'s host into what a client should hear. */
  public static UpstreamFailure of(CanonicalUrl url, Throwable cause) {
    if (cause instanceof UpstreamFailure f) {
      return f;
    }
    String upstream = url.host() + ":" + url.port();
    String detail = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    if (cause instanceof TimeoutException || cause instanceof java.util.concurrent.TimeoutException
        || cause instanceof java.net.SocketTimeoutException || detail.contains("timeout period")) {
      return new UpstreamFailure(504, "upstream " + upstream + " timed out: " + detail);
    }
    if (cause instanceof UnknownHostException) {
      return new UpstreamFailure(502, "cannot resolve upstream host " + url.host());
    }
    if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
      return new UpstreamFailure(502, "cannot connect to upstream " + upstream + ": " + detail);
    }
    if (cause instanceof SSLException) {
      return new UpstreamFailure(502, "TLS with upstream " + upstream + " failed: " + detail);
    }
    return new UpstreamFailure(502, "upstream " + upstream + " failed: " + detail);
  }
}
