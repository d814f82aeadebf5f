package dev.potluck.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalUrlTest {

  @ParameterizedTest
  @CsvSource({
      "http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb, http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb",
      "HTTP://Deb.Debian.ORG/debian/, http://deb.debian.org/debian/",
      "http://deb.debian.org:80/x, http://deb.debian.org/x",
      "https://deb.debian.org:443/x, https://deb.debian.org/x",
      "http://deb.debian.org:8080/x, http://deb.debian.org:8080/x",
      "http://deb.debian.org, http://deb.debian.org/",
      "http://h/a/./b/../c, http://h/a/c",
      "http://h/%7euser/%41, http://h/~user/A",
      "http://h/a%2fb, http://h/a%2Fb",
      "http://h/a%2Fb, http://h/a%2Fb",
      "http://h/x?b=1&a=2, http://h/x?b=1&a=2",
      "http://h/x#frag, http://h/x",
      "http://h/libc6_2.36-9+deb12u4_amd64.deb, http://h/libc6_2.36-9+deb12u4_amd64.deb",
  })
  void parse_canonicalises(String raw, String expected) {
    assertEquals(expected, CanonicalUrl.parse(raw).toString());
  }

  @Test
  void parse_equalSpellingsGiveEqualKeys() {
    CanonicalUrl a = CanonicalUrl.parse("HTTP://Deb.Debian.org:80/debian/./pool/%7euser");
    CanonicalUrl b = CanonicalUrl.parse("http://deb.debian.org/debian/pool/~user");
    assertEquals(a, b);
    assertEquals(ObjectKey.of(a), ObjectKey.of(b));
    assertNotEquals(ObjectKey.of(a), ObjectKey.of(CanonicalUrl.parse("https://deb.debian.org/debian/pool/~user")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ftp://h/x", "/relative/path", "http:///nohost", "http://user:pw@h/x",
      "http://h/%zz", "http://h/%4", "http://h/../../etc/passwd", "file:///etc/passwd", "http://h/a b"})
  void parse_refusesWithMessage(String raw) {
    InvalidUrlException e = assertThrows(InvalidUrlException.class, () -> CanonicalUrl.parse(raw));
    assertTrue(e.getMessage().length() > 5, e.getMessage());
  }

  @Test
  void parse_refusesOverlongUrl() {
    String raw = "http://h/" + "a".repeat(CanonicalUrl.MAX_LENGTH);
    InvalidUrlException e = assertThrows(InvalidUrlException.class, () -> CanonicalUrl.parse(raw));
    assertTrue(e.getMessage().contains("longer than"));
  }

  @Test
  void accessors_describeTheUrl() {
    CanonicalUrl url = CanonicalUrl.parse("https://mirror.example:8443/arch/core/os/x86_64/core.db?x=1");
    assertEquals("https", url.scheme());
    assertEquals("mirror.example", url.host());
    assertEquals(8443, url.port());
    assertEquals("/arch/core/os/x86_64/core.db?x=1", url.pathAndQuery());
    assertEquals("core.db", url.fileName());
    assertEquals(80, CanonicalUrl.parse("http://h/").port());
    assertEquals("", CanonicalUrl.parse("http://h/dir/").fileName());
  }
}
