package dev.potluck.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.cache.Lookup.Action;
import dev.potluck.node.store.ObjectMeta;
import dev.potluck.node.store.StoredObject;
import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.ContentNames;
import dev.potluck.node.trust.Expectation;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.freshness.FreshnessPolicy;
import dev.potluck.scheduler.freshness.ObjectKind;
import dev.potluck.scheduler.freshness.RequestCacheControl;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a request that no fetch under way answers needs, branch by branch. */
class LookupTest {

  private static final long NOW = 1_700_000_000_000L;
  private static final long MAX_AGE = 300_000;
  private static final FreshnessPolicy FRESHNESS = new FreshnessPolicy(Duration.ofMillis(MAX_AGE),
      Duration.ofSeconds(10));

  private static final CanonicalUrl PACKAGE = CanonicalUrl.parse("http://deb.example/pool/main/h/hello_1.0_amd64.deb");
  private static final CanonicalUrl RELEASE = CanonicalUrl.parse("http://deb.example/dists/stable/InRelease");
  private static final CanonicalUrl INDEX = CanonicalUrl.parse("http://deb.example/dists/stable/main/binary-amd64/Packages.xz");
  private static final Sha256 DIGEST = Sha256.of("the bytes");
  private static final Expectation SIGNED = new Expectation(DIGEST, 9, Authority.SIGNED_METADATA, "InRelease");
  private static final Expectation OWN = new Expectation(DIGEST, 9, Authority.OWN_FETCH, "own fetch");

  private final Lookup alone = new Lookup(FRESHNESS, false, false);
  private final Lookup clustered = new Lookup(FRESHNESS, true, false);
  private final Lookup withSecret = new Lookup(FRESHNESS, true, true);

  // --- stored copies

  @Test
  void decide_freshMetadata_served() {
    assertEquals(Action.SERVE, alone.decide(RELEASE, null, stored(RELEASE, NOW - MAX_AGE + 1),
        RequestCacheControl.NONE, false, NOW));
  }

  @Test
  void decide_metadataPastItsAge_revalidated() {
    assertEquals(Action.REVALIDATE, alone.decide(RELEASE, null, stored(RELEASE, NOW - MAX_AGE),
        RequestCacheControl.NONE, false, NOW));
  }

  @Test
  void decide_clientForcesRevalidation_revalidatedOncePastTheInterval() {
    assertEquals(Action.SERVE, alone.decide(RELEASE, null, stored(RELEASE, NOW - 5_000),
        RequestCacheControl.FORCE, false, NOW), "validated 5 s ago: within the revalidate interval");
    assertEquals(Action.REVALIDATE, alone.decide(RELEASE, null, stored(RELEASE, NOW - 10_000),
        RequestCacheControl.FORCE, false, NOW));
  }

  @Test
  void decide_immutableObject_servedHoweverOld() {
    assertEquals(Action.SERVE, alone.decide(PACKAGE, null, stored(PACKAGE, 0), RequestCacheControl.FORCE, false,
        NOW));
  }

  @Test
  void decide_metadataKnownByItsContent_neverStale() {
    // An index a verified Release lists is kept under its digest: that copy cannot change.
    assertEquals(Action.SERVE, alone.decide(INDEX, SIGNED, stored(INDEX, 0), RequestCacheControl.FORCE, false,
        NOW));
  }

  @Test
  void decide_metadataOnlyOwnFetchVouchesFor_stillRevalidated() {
    assertEquals(Action.REVALIDATE, alone.decide(INDEX, OWN, stored(INDEX, 0), RequestCacheControl.NONE, false,
        NOW));
  }

  @Test
  void decide_storedAndHeadOnly_servedFromTheStore() {
    assertEquals(Action.SERVE, clustered.decide(PACKAGE, SIGNED, stored(PACKAGE, 0), RequestCacheControl.NONE,
        true, NOW));
  }

  // --- nothing stored

  @Test
  void decide_headOnly_askedUpstreamWithHead() {
    assertEquals(Action.HEAD, clustered.decide(PACKAGE, SIGNED, null, RequestCacheControl.NONE, true, NOW));
  }

  @Test
  void decide_headOnlyForALanOnlyName_notAskedUpstream() {
    CanonicalUrl lan = ContentNames.lanUrl(DIGEST);
    assertEquals(Action.ROUTE, withSecret.decide(lan, null, null, RequestCacheControl.NONE, true, NOW),
        "a /sha256/ name has no upstream: the cluster is asked");
    assertEquals(Action.FETCH, alone.decide(lan, null, null, RequestCacheControl.NONE, true, NOW));
  }

  @Test
  void decide_vouchedForImmutableInACluster_routed() {
    assertEquals(Action.ROUTE, clustered.decide(PACKAGE, SIGNED, null, RequestCacheControl.NONE, false, NOW));
    assertEquals(Action.ROUTE, clustered.decide(PACKAGE, OWN, null, RequestCacheControl.NONE, false, NOW),
        "any authority's word lets members' copies be checked");
  }

  @Test
  void decide_unvouchedImmutable_routedOnlyInAClusterWithASecret() {
    assertEquals(Action.FETCH, clustered.decide(PACKAGE, null, null, RequestCacheControl.NONE, false, NOW));
    assertEquals(Action.ROUTE, withSecret.decide(PACKAGE, null, null, RequestCacheControl.NONE, false, NOW));
  }

  @Test
  void decide_alone_fetched() {
    assertEquals(Action.FETCH, alone.decide(PACKAGE, SIGNED, null, RequestCacheControl.NONE, false, NOW));
  }

  @Test
  void decide_metadataKnownByItsContentInACluster_routed() {
    assertEquals(Action.ROUTE, clustered.decide(INDEX, SIGNED, null, RequestCacheControl.NONE, false, NOW));
  }

  @Test
  void decide_metadataKnownByItsUrl_fetchedEvenWithASecret() {
    assertEquals(Action.FETCH, withSecret.decide(RELEASE, null, null, RequestCacheControl.NONE, false, NOW));
    assertEquals(Action.FETCH, withSecret.decide(INDEX, OWN, null, RequestCacheControl.NONE, false, NOW));
  }

  // --- keys, kinds and keepers

  @Test
  void keyOf_vouchedFor_isTheDigest_ownFetchOrNothing_isTheUrl() {
    assertEquals(new ObjectKey(DIGEST.hex()), Lookup.keyOf(INDEX, SIGNED));
    assertEquals(ObjectKey.of(INDEX), Lookup.keyOf(INDEX, OWN));
    assertEquals(ObjectKey.of(INDEX), Lookup.keyOf(INDEX, null));
  }

  @Test
  void kindOf_contentKey_immutable_urlKey_byPath() {
    assertEquals(ObjectKind.IMMUTABLE, Lookup.kindOf(INDEX, new ObjectKey(DIGEST.hex())));
    assertEquals(ObjectKind.METADATA, Lookup.kindOf(INDEX, ObjectKey.of(INDEX)));
    assertEquals(ObjectKind.IMMUTABLE, Lookup.kindOf(PACKAGE, ObjectKey.of(PACKAGE)));
  }

  @Test
  void mayAskKeeper_onlyInAClusterUnderTheUrlKeyWithACheckOrASecret() {
    ObjectKey byUrl = ObjectKey.of(RELEASE);
    assertFalse(alone.mayAskKeeper(RELEASE, byUrl, true), "no cluster, no keeper");
    assertTrue(clustered.mayAskKeeper(RELEASE, byUrl, true));
    assertFalse(clustered.mayAskKeeper(RELEASE, byUrl, false), "a copy nothing here can check");
    assertTrue(withSecret.mayAskKeeper(RELEASE, byUrl, false), "members of a cluster with a secret are trusted");
    assertFalse(withSecret.mayAskKeeper(INDEX, new ObjectKey(DIGEST.hex()), true), "known by content: routed instead");
  }

  private static StoredObject stored(CanonicalUrl url, long validatedAt) {
    return new StoredObject(ObjectKey.of(url), Path.of("/nonexistent"),
        new ObjectMeta(url.toString(), 9, DIGEST, "application/octet-stream", null, null, validatedAt, validatedAt));
  }
}
