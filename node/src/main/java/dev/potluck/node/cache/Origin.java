package dev.potluck.node.cache;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.PeerApi;
import dev.potluck.protocol.Sha256;
import java.util.Map;

/**
 * Where a flight's bytes come from: upstream (the object's own URL), or a peer's API, with the
 * digest the object must have, or none yet when it is streamed while still being fetched.
 */
record Origin(CanonicalUrl requestUrl, Map<String, String> headers, Sha256 expected, boolean peer) {
  static Origin upstream(CanonicalUrl url) {
    return new Origin(url, Map.of(), null, false);
  }

  static Origin peer(ObjectKey key, String host, int port, byte[] secret, Sha256 expected) {
    String path = PeerApi.objectPath(key);
    CanonicalUrl url = PeerApi.urlOf(host, port, path);
    Map<String, String> headers = secret == null ? Map.of() : Map.of(PeerApi.TOKEN_HEADER, PeerApi.token(secret, "GET", path));
    return new Origin(url, headers, expected, true);
  }

  String where() {
    return peer ? "peer " + requestUrl.host() + ":" + requestUrl.port() : "upstream " + requestUrl.host();
  }
}
