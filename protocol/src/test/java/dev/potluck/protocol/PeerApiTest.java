package dev.potluck.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PeerApiTest {

  private static final ObjectKey KEY = new ObjectKey(Sha256.of("k").hex());
  private static final byte[] SECRET = "sixteen byte secret!".getBytes(StandardCharsets.UTF_8);

  @Test
  void urlOf_bracketsAnIpv6Host_only() {
    assertEquals("http://10.0.0.7:7879/peer/v1/check/x", PeerApi.urlOf("10.0.0.7", 7879, "/peer/v1/check/x").toString());
    assertEquals("http://[fd00::7]:7879/peer/v1/check/x", PeerApi.urlOf("fd00::7", 7879, "/peer/v1/check/x").toString());
  }

  @Test
  void keyOf_roundTripsObjectPath() {
    assertEquals(KEY, PeerApi.keyOf(PeerApi.objectPath(KEY)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/peer/v1/objects/", "/peer/v1/objects/../../etc/passwd", "/peer/v1/objects/abc",
      "/mirror/debian/pool/x.deb", "/peer/v1/objects/%2e%2e", "/peer/v2/objects/x", ""})
  void keyOf_refusesEverythingButAKey(String path) {
    assertNull(PeerApi.keyOf(path));
  }

  @Test
  void keyOf_refusesSlashAndUpperCase() {
    assertNull(PeerApi.keyOf(PeerApi.objectPath(KEY) + "/x"));
    assertNull(PeerApi.keyOf(PeerApi.OBJECTS_PREFIX + KEY.id().toUpperCase()));
  }

  @Test
  void token_bindsSecretMethodAndPath() {
    String path = PeerApi.objectPath(KEY);
    String token = PeerApi.token(SECRET, "GET", path);
    assertTrue(PeerApi.tokenMatches(SECRET, "GET", path, token));
    assertFalse(PeerApi.tokenMatches(SECRET, "HEAD", path, token));
    assertFalse(PeerApi.tokenMatches(SECRET, "GET", PeerApi.objectPath(new ObjectKey(Sha256.of("other").hex())), token));
    assertFalse(PeerApi.tokenMatches("another secret, 16+".getBytes(StandardCharsets.UTF_8), "GET", path, token));
    assertFalse(PeerApi.tokenMatches(SECRET, "GET", path, null));
    assertTrue(token.matches("[0-9]+\\.[0-9a-f]{64}"), token);
  }

  @Test
  void token_isRefusedOutsideItsWindow_andWithAnAlteredTime() {
    String path = PeerApi.objectPath(KEY);
    long now = 1_800_000_000L;
    String token = PeerApi.token(SECRET, "GET", path, now);
    assertTrue(PeerApi.tokenMatches(SECRET, "GET", path, token, now + PeerApi.TOKEN_WINDOW_SECONDS));
    assertTrue(PeerApi.tokenMatches(SECRET, "GET", path, token, now - PeerApi.TOKEN_WINDOW_SECONDS));
    assertFalse(PeerApi.tokenMatches(SECRET, "GET", path, token, now + PeerApi.TOKEN_WINDOW_SECONDS + 1),
        "a captured token cannot be replayed later");
    String moved = (now + 100) + token.substring(token.indexOf('.'));
    assertFalse(PeerApi.tokenMatches(SECRET, "GET", path, moved, now + 100), "the time is part of what is signed");
    assertFalse(PeerApi.tokenMatches(SECRET, "GET", path, "x." + token.substring(token.indexOf('.') + 1), now));
  }

  @Test
  void checkKeyOf_namesTheKey_andNothingElse() {
    assertEquals(KEY, PeerApi.checkKeyOf(PeerApi.checkPath(KEY)));
    assertNull(PeerApi.checkKeyOf(PeerApi.objectPath(KEY)));
    assertNull(PeerApi.checkKeyOf(PeerApi.checkPath(KEY) + "/x"));
  }
}
