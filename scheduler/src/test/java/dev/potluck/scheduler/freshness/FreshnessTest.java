package dev.potluck.scheduler.freshness;

import static dev.potluck.scheduler.freshness.FreshnessPolicy.Decision.REVALIDATE;
import static dev.potluck.scheduler.freshness.FreshnessPolicy.Decision.SERVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FreshnessTest {

  private static final long T0 = 1_700_000_000_000L;
  private final FreshnessPolicy policy = new FreshnessPolicy(Duration.ofMinutes(5), Duration.ofSeconds(10));

  @ParameterizedTest
  @ValueSource(strings = {
      "/debian/pool/main/h/hello/hello_2.10-3_amd64.deb",
      "/debian/pool/main/d/debian-installer/foo_1.0_amd64.udeb",
      "/fedora/Packages/h/hello-2.12-1.fc39.x86_64.rpm",
      "/archlinux/core/os/x86_64/linux-6.6.1-1-x86_64.pkg.tar.zst",
      "/archlinux/core/os/x86_64/linux-6.6.1-1-x86_64.pkg.tar.zst.sig",
      "/nar/0a1b2c.nar.xz",
      "/nar/0a1b2c.nar",
      "/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/0123abcd",
      "/HELLO_1.0_AMD64.DEB",
      "/sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  })
  void ofPath_immutable(String path) {
    assertEquals(ObjectKind.IMMUTABLE, ObjectKind.ofPath(path));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/debian/dists/bookworm/InRelease",
      "/debian/dists/bookworm/Release",
      "/debian/dists/bookworm/Release.gpg",
      "/debian/dists/bookworm/main/binary-amd64/Packages.xz",
      "/debian/dists/bookworm/main/source/Sources.gz",
      "/fedora/repodata/repomd.xml",
      "/archlinux/core/os/x86_64/core.db",
      "/0a1b2c.narinfo",
      "/",
      "/some/unknown/file.txt",
      "/mirror/sha256/file.txt",
      "/debian/pool/main/h/hello/hello.deb?x=1.deb2",
  })
  void ofPath_metadata(String path) {
    assertEquals(ObjectKind.METADATA, ObjectKind.ofPath(path));
  }

  @Test
  void decide_immutableIsServedWhateverItsAgeOrTheClient() {
    RequestCacheControl noCache = RequestCacheControl.parse("no-cache", null);
    assertEquals(SERVE, policy.decide(ObjectKind.IMMUTABLE, T0, T0 + Duration.ofDays(400).toMillis(), noCache));
  }

  @Test
  void decide_metadataServedUntilMaxAge() {
    assertEquals(SERVE, policy.decide(ObjectKind.METADATA, T0, T0 + 299_999, RequestCacheControl.NONE));
    assertEquals(REVALIDATE, policy.decide(ObjectKind.METADATA, T0, T0 + 300_000, RequestCacheControl.NONE));
  }

  @Test
  void decide_clientRevalidationCoalescedWithinInterval() {
    RequestCacheControl apt = RequestCacheControl.parse("max-age=0", null);
    assertEquals(SERVE, policy.decide(ObjectKind.METADATA, T0, T0 + 9_999, apt));
    assertEquals(REVALIDATE, policy.decide(ObjectKind.METADATA, T0, T0 + 10_000, apt));
  }

  @Test
  void decide_clientMaxAgeShortensTheLimit() {
    RequestCacheControl minute = RequestCacheControl.parse("max-age=60", null);
    assertEquals(SERVE, policy.decide(ObjectKind.METADATA, T0, T0 + 59_000, minute));
    assertEquals(REVALIDATE, policy.decide(ObjectKind.METADATA, T0, T0 + 61_000, minute));
  }

  @Test
  void decide_clockGoingBackwardsCountsAsFresh() {
    assertEquals(SERVE, policy.decide(ObjectKind.METADATA, T0, T0 - 5_000, RequestCacheControl.NONE));
  }

  @Test
  void parse_cacheControlVariants() {
    assertEquals(new RequestCacheControl(true, 0), RequestCacheControl.parse("max-age=0", null));
    assertEquals(new RequestCacheControl(true, -1), RequestCacheControl.parse("No-Cache", null));
    assertEquals(new RequestCacheControl(true, -1), RequestCacheControl.parse(null, "no-cache"));
    assertEquals(new RequestCacheControl(false, 30), RequestCacheControl.parse("public, max-age=\"30\"", null));
    assertEquals(RequestCacheControl.NONE, RequestCacheControl.parse("max-age=banana", null));
    assertEquals(RequestCacheControl.NONE, RequestCacheControl.parse("max-age=99999999999999999999", null));
    assertEquals(RequestCacheControl.NONE, RequestCacheControl.parse(null, null));
  }

  @Test
  void constructor_refusesNegativeDurations() {
    assertThrows(IllegalArgumentException.class, () -> new FreshnessPolicy(Duration.ofSeconds(-1), Duration.ZERO));
  }
}
