package dev.potluck.protocol;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The peer HTTP API's contract: objects are fetched by key, never by path, and when the cluster has a
 * secret every request carries a token proving the requester knows it.
 *
 * <p>{@code GET /peer/v1/objects/{64 hex}} answers the object, complete or still arriving, with Range
 * support; {@link #SIZE_HEADER} and {@link #SHA256_HEADER} describe a complete one. {@code POST
 * /peer/v1/check/{64 hex}} asks the holder to re-read its stored copy against its own authority, as a
 * node does after that copy failed its check: the holder drops it if it is wrong, and only then.
 */
public final class PeerApi {

  public static final String OBJECTS_PREFIX = "/peer/v1/objects/";
  public static final String CHECK_PREFIX = "/peer/v1/check/";
  /** How far a token's time may be from the receiver's clock: a captured token is useless after it. */
  public static final long TOKEN_WINDOW_SECONDS = 60;
  public static final String TOKEN_HEADER = "X-Potluck-Token";
  public static final String SIZE_HEADER = "X-Potluck-Size";
  public static final String SHA256_HEADER = "X-Potluck-Sha256";
  /**
   * Mutable metadata (apt's InRelease, ...) that the LAN revalidates through one member, its keeper:
   * {@code GET /peer/v1/metadata/{key of the URL}} with the URL in {@link #URL_HEADER}.
   */
  public static final String METADATA_PREFIX = "/peer/v1/metadata/";
  /** The upstream URL a metadata request is for; its key must be the one in the path. */
  public static final String URL_HEADER = "X-Potluck-Url";
  /** How old, in seconds, the keeper's copy may be at most (its freshness rules still apply). */
  public static final String MAX_AGE_HEADER = "X-Potluck-Max-Age";
  /** When upstream last confirmed the keeper's copy, in milliseconds since the epoch. */
  public static final String VALIDATED_AT_HEADER = "X-Potluck-Validated-At";

  private PeerApi() {}

  /**
   * The URL of {@code path} on the peer API at {@code host} (a name, or an IP literal: an IPv6 one
   * without brackets) and {@code port}.
   */
  public static CanonicalUrl urlOf(String host, int port, String path) {
    return CanonicalUrl.parse("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + path);
  }

  public static String objectPath(ObjectKey key) {
    return OBJECTS_PREFIX + key.id();
  }

  /**
   * The key a request path names, or null when the path is anything else: a query, a longer or
   * shorter name, a slash or dot segment, upper-case hex.
   */
  public static ObjectKey keyOf(String path) {
    return keyAfter(OBJECTS_PREFIX, path);
  }

  public static String checkPath(ObjectKey key) {
    return CHECK_PREFIX + key.id();
  }

  /** The key a check request's path names, or null, by the rules of {@link #keyOf}. */
  public static ObjectKey checkKeyOf(String path) {
    return keyAfter(CHECK_PREFIX, path);
  }

  public static String metadataPath(ObjectKey urlKey) {
    return METADATA_PREFIX + urlKey.id();
  }

  /** The URL key a metadata request's path names, or null, by the rules of {@link #keyOf}. */
  public static ObjectKey metadataKeyOf(String path) {
    return keyAfter(METADATA_PREFIX, path);
  }

  private static ObjectKey keyAfter(String prefix, String path) {
    if (path == null || !path.startsWith(prefix)) {
      return null;
    }
    String id = path.substring(prefix.length());
    try {
      return new ObjectKey(id);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The token for {@code method path} now. */
  public static String token(byte[] secret, String method, String path) {
    return token(secret, method, path, System.currentTimeMillis() / 1000);
  }

  /**
   * The token for {@code method path} at {@code epochSeconds}: {@code <seconds>.<hex HMAC-SHA256>}, keyed
   * by the secret over the method, the path and the time. It binds the request to the object asked for
   * and to a moment, so a token seen on the wire is refused once {@link #TOKEN_WINDOW_SECONDS} have
   * passed; it does not hide the object, which is public package content anyway.
   */
  public static String token(byte[] secret, String method, String path, long epochSeconds) {
    return epochSeconds + "." + Hex.encode(tag(secret, method + " " + path + " " + epochSeconds));
  }

  /** Whether {@code presented} is a token for {@code method path} within the window around now. */
  public static boolean tokenMatches(byte[] secret, String method, String path, String presented) {
    return tokenMatches(secret, method, path, presented, System.currentTimeMillis() / 1000);
  }

  /**
   * Whether {@code presented} is a token for {@code method path} made within {@link #TOKEN_WINDOW_SECONDS}
   * of {@code nowSeconds}; the tags are compared in constant time.
   */
  public static boolean tokenMatches(byte[] secret, String method, String path, String presented, long nowSeconds) {
    Long at = tokenTime(presented);
    if (at == null || Math.abs(nowSeconds - at) > TOKEN_WINDOW_SECONDS) {
      return false;
    }
    byte[] expected = token(secret, method, path, at).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.US_ASCII));
  }

  /** The time a token claims to be from, or null when it is not shaped like one (for error messages). */
  public static Long tokenTime(String presented) {
    int dot = presented == null ? -1 : presented.indexOf('.');
    if (dot < 1 || dot > 19) {
      return null;
    }
    try {
      return Long.parseLong(presented.substring(0, dot));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static byte[] tag(byte[] secret, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has HmacSHA256", e);
    }
  }
}
