package dev.potluck.node.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import org.junit.jupiter.api.Test;

class ContentNamesTest {

  private static final String HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  private static Expectation of(String url) {
    return ContentNames.expectationFor(CanonicalUrl.parse(url));
  }

  @Test
  void aptByHash_isItsOwnAuthority() {
    Expectation e = of("http://deb.example/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/" + HEX);
    assertEquals(new Sha256(HEX), e.sha256());
    assertEquals(Authority.CONTENT_NAME, e.authority());
    assertEquals(-1, e.size());
  }

  @Test
  void dnfHashedRepodata_isItsOwnAuthority() {
    assertEquals(new Sha256(HEX), of("http://rpm.example/f40/x86_64/repodata/" + HEX + "-primary.xml.zst").sha256());
  }

  @Test
  void contentAddressedPath_upperCaseHex_isNormalised() {
    assertEquals(new Sha256(HEX), of("http://127.0.0.1:7878/sha256/" + HEX.toUpperCase()).sha256());
  }

  @Test
  void ordinaryNames_promiseNothing() {
    assertNull(of("http://deb.example/debian/pool/main/h/hello/hello_2.10-3_amd64.deb"));
    assertNull(of("http://deb.example/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/" + HEX.substring(1)));
    assertNull(of("http://deb.example/debian/dists/bookworm/main/binary-amd64/by-hash/MD5Sum/" + HEX));
    assertNull(of("http://rpm.example/f40/x86_64/repodata/" + HEX + "primary.xml.zst"));
    assertNull(of("http://rpm.example/f40/x86_64/other/" + HEX + "-primary.xml.zst"));
    assertNull(of("http://deb.example/sha256/" + HEX.replace('a', 'g')));
  }
}
