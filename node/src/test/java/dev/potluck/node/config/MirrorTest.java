package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.InvalidUrlException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MirrorTest {

  private static final Mirror DEBIAN = Mirror.parse("debian=https://deb.debian.org/debian");

  @Test
  void parse_nameAndBase() {
    assertEquals(new Mirror("debian", "https://deb.debian.org/debian"), DEBIAN);
  }

  @Test
  void parse_trailingSlashesRemoved() {
    assertEquals("https://deb.debian.org/debian", Mirror.parse("debian=https://deb.debian.org/debian/").base());
    assertEquals("https://mirror.example", Mirror.parse("arch=https://mirror.example/").base());
  }

  @Test
  void parse_baseIsCanonicalised() {
    assertEquals("https://deb.debian.org/debian", Mirror.parse("d=HTTPS://Deb.Debian.org:443/debian/").base());
  }

  @Test
  void parse_queryRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Mirror.parse("d=https://example.org/repo?arch=x86_64"));
    assertTrue(e.getMessage().contains("must not have a query"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"bad name", "-debian", "deb/ian", "é"})
  void parse_badName(String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Mirror.parse(name + "=https://deb.debian.org/debian"));
    assertTrue(e.getMessage().startsWith("mirror name must be"), e.getMessage());
  }

  @Test
  void parse_nameTooLong() {
    assertThrows(IllegalArgumentException.class, () -> Mirror.parse("a".repeat(65) + "=https://h/x"));
    assertEquals("a".repeat(64), Mirror.parse("a".repeat(64) + "=https://h/x").name());
  }

  @ParameterizedTest
  @ValueSource(strings = {"debian", "=https://deb.debian.org/debian", "debian="})
  void parse_notNameEqualsUrl(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mirror.parse(text));
    assertTrue(e.getMessage().startsWith("expected NAME=URL"), e.getMessage());
  }

  @Test
  void parse_badUrlNamesTheMirror() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mirror.parse("d=ftp://example.org/x"));
    assertTrue(e.getMessage().startsWith("mirror 'd': "), e.getMessage());
  }

  @Test
  void resolve_appendsRestToBase() {
    assertEquals("https://deb.debian.org/debian/dists/stable/InRelease",
        DEBIAN.resolve("dists/stable/InRelease").toString());
  }

  @Test
  void resolve_dotSegmentsInsideTheBaseAllowed() {
    assertEquals("https://deb.debian.org/debian/dists/x", DEBIAN.resolve("pool/../dists/x").toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"../secret", "pool/../../secret", "%2e%2e/secret", "..", "../debian-security/x"})
  void resolve_escapingTheBaseRejected(String rest) {
    assertThrows(InvalidUrlException.class, () -> DEBIAN.resolve(rest));
  }

  @Test
  void resolve_rootMirrorCannotClimbAboveRoot() {
    Mirror root = Mirror.parse("arch=https://mirror.example/");
    assertEquals("https://mirror.example/core/os/x86_64/core.db", root.resolve("core/os/x86_64/core.db").toString());
    assertThrows(InvalidUrlException.class, () -> root.resolve("../x"));
  }

  @Test
  void parse_severalUpstreams_theFirstNamesTheObjects_theOthersFallBackInOrder() {
    Mirror arch = Mirror.parse("arch=https://a.example/arch/, http://b.example/x/arch");
    assertEquals("https://a.example/arch", arch.base());
    assertEquals(List.of("http://b.example/x/arch"), arch.fallbacks());
    assertEquals("https://a.example/arch/core/os/x86_64/core.db", arch.resolve("core/os/x86_64/core.db").toString());
    assertEquals(List.of(CanonicalUrl.parse("http://b.example/x/arch/core/os/x86_64/core.db")),
        arch.fallbacksFor(arch.resolve("core/os/x86_64/core.db")));
    assertEquals(List.of(), arch.fallbacksFor(CanonicalUrl.parse("https://a.example/other/core.db")));
    assertEquals(List.of(), DEBIAN.fallbacksFor(DEBIAN.resolve("dists/bookworm/InRelease")));
  }

  @Test
  void parse_sameUpstreamTwice_rejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Mirror.parse("arch=https://a.example/arch,https://a.example/arch/"));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
  }
}
