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
 * support; {@link #SIZE_HEADER} and {@link #SHA256_HEADER} describe a complete one.
 */
public final class PeerApi {

  public static final String OBJECTS_PREFIX = "/peer/v1/objects/";
  public static final String TOKEN_HEADER = "X-Potluck-Token";
  public static final String SIZE_HEADER = "X-Potluck-Size";
  public static final String SHA256_HEADER = "X-Potluck-Sha256";

  private PeerApi() {}

  public static String objectPath(ObjectKey key) {
    return OBJECTS_PREFIX + key.id();
  }

  /**
   * The key a request path names, or null when the path is anything else: a query, a longer or
   * shorter name, a slash or dot segment, upper-case hex.
   */
  public static ObjectKey keyOf(String path) {
    if (path == null || !path.startsWith(OBJECTS_PREFIX)) {
      return null;
    }
    String id = path.substring(OBJECTS_PREFIX.length());
    try {
      return new ObjectKey(id);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * The token for {@code method path}: hex HMAC-SHA256 keyed by the secret. It binds the request to
   * the object asked for; it does not hide the object, which is public package content anyway.
   */
  public static String token(byte[] secret, String method, String path) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] tag = mac.doFinal((method + " " + path).getBytes(StandardCharsets.UTF_8));
      return Hex.encode(tag);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has HmacSHA256", e);
    }
  }

  /** Compares a presented token with the expected one in constant time. */
  public static boolean tokenMatches(byte[] secret, String method, String path, String presented) {
    if (presented == null) {
      return false;
    }
    byte[] expected = token(secret, method, path).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.US_ASCII));
  }
}
