package dev.potluck.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SteeringTest {

  /** A driver's handle: one per request, compared by identity. */
  static final class Fetch {
    final ObjectKey key;
    boolean over;

    Fetch(String name) {
      this.key = new ObjectKey(Sha256.of(name).hex());
    }
  }

  private static final NodeId A = node('a');
  private static final NodeId B = node('b');
  private static final NodeId C = node('c');
  private static final Sha256 DIGEST = Sha256.of("content");

  private final List<Steer<Fetch>> steps = new ArrayList<>();
  private final Set<NodeId> unusable = new HashSet<>();
  private final Map<ObjectKey, Integer> demand = new HashMap<>();
  private final Steering<Fetch> steering = steering(2);

  private static NodeId node(char c) {
    return new NodeId(String.valueOf(c).repeat(32));
  }

  private Steering<Fetch> steering(int maxUpstream) {
    return new Steering<>(f -> f.key, f -> f.over, n -> !unusable.contains(n),
        k -> demand.getOrDefault(k, 0), maxUpstream, steps::add);
  }

  /** What was decided since the last call. */
  private List<Steer<Fetch>> taken() {
    List<Steer<Fetch>> out = List.copyOf(steps);
    steps.clear();
    return out;
  }

  private static Action.StreamFromPeers stream(long id, Fetch f, NodeId... sources) {
    return new Action.StreamFromPeers(id, f.key, List.of(sources));
  }

  private static Action.FetchFromHolders holders(long id, Fetch f, NodeId... holders) {
    return new Action.FetchFromHolders(id, f.key, List.of(holders), 10, DIGEST);
  }

  private static Action.FetchUpstream lease(long id, Fetch f) {
    return new Action.FetchUpstream(id, f.key, "http://x/" + id, 0);
  }

  @Test
  void aNewRequest_asksAndMovesNothing() {
    Fetch f = new Fetch("a");
    assertEquals(1, steering.start(f));
    assertEquals(2, steering.start(new Fetch("b")));
    assertTrue(steering.steers(f));
    assertFalse(steering.pastAsking(f));
    assertFalse(steering.decided(f.key));
    assertEquals(List.of(), taken());
  }

  @Test
  void aStream_takesTheFirstUsableSource_skippingBlocklistedAndUnknownOnes() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    unusable.add(A);
    steering.streamFrom(stream(id, f, A, B, C));
    assertEquals(List.of(new Steer.FromPeer<>(f, B, null)), taken());
    assertEquals(B, steering.source(f));
    assertTrue(steering.decided(f.key));
    assertEquals(B, steering.peerOf(f.key));
  }

  @Test
  void holders_areTakenInOrderWithTheirDigest_andWhenAllFailTheSchedulerHears() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.takeFromHolders(holders(id, f, A, B));
    assertEquals(List.of(new Steer.FromPeer<>(f, A, DIGEST)), taken());
    steering.sourceFailed(f, false);
    assertEquals(List.of(new Steer.FromPeer<>(f, B, DIGEST)), taken());
    steering.sourceFailed(f, false);
    assertEquals(List.of(new Steer.TellSourcesFailed<>(f, id, f.key, false)), taken());
    assertNull(steering.source(f));
  }

  @Test
  void aStreamWhoseSourcesAllFail_tellsTheSchedulerItWasAStream() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    unusable.add(B);
    steering.streamFrom(stream(id, f, A, B));
    steering.sourceFailed(f, false);
    assertEquals(List.of(new Steer.FromPeer<>(f, A, null), new Steer.TellSourcesFailed<>(f, id, f.key, true)),
        taken());
  }

  @Test
  void noUsableSourceAtAll_failsAtOnce() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    unusable.addAll(List.of(A, B));
    steering.streamFrom(stream(id, f, A, B));
    assertEquals(List.of(new Steer.TellSourcesFailed<>(f, id, f.key, true)), taken());
  }

  @Test
  void busySources_areAskedAgainLater_fromTheFirst() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.takeFromHolders(holders(id, f, A, B));
    steering.sourceFailed(f, true);
    steering.sourceFailed(f, false);
    assertEquals(List.of(new Steer.FromPeer<>(f, A, DIGEST), new Steer.FromPeer<>(f, B, DIGEST),
        new Steer.RetryLater<>(f, id, Steering.BUSY_RETRY_MILLIS)), taken());
    steering.retry(id);
    assertEquals(List.of(new Steer.FromPeer<>(f, A, DIGEST)), taken());
  }

  @Test
  void busyRounds_areBounded_thenTheSchedulerHears() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.takeFromHolders(holders(id, f, A));
    for (int round = 0; round < Steering.MAX_BUSY_ROUNDS; round++) {
      taken();
      steering.sourceFailed(f, true);
      assertEquals(List.of(new Steer.RetryLater<>(f, id, Steering.BUSY_RETRY_MILLIS)), taken(), "round " + round);
      steering.retry(id);
    }
    taken();
    steering.sourceFailed(f, true);
    assertEquals(List.of(new Steer.TellSourcesFailed<>(f, id, f.key, false)), taken());
  }

  @Test
  void aRetry_isDroppedWhenTheRequestEndedOrAlreadyHasASource() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.takeFromHolders(holders(id, f, A));
    steering.sourceFailed(f, true);
    taken();
    f.over = true;
    steering.retry(id);
    assertEquals(List.of(), taken(), "its client went away");

    Fetch g = new Fetch("b");
    long gid = steering.start(g);
    steering.takeFromHolders(holders(gid, g, A));
    steering.sourceFailed(g, true);
    steering.streamFrom(stream(gid, g, B)); // re-pointed while it waited
    taken();
    steering.retry(gid);
    assertEquals(List.of(), taken());
  }

  @Test
  void underTheLimit_aLeaseStartsAtOnce_overItWaitsForTheMostWanted() {
    Fetch a = new Fetch("a");
    Fetch b = new Fetch("b");
    Fetch few = new Fetch("few");
    Fetch many = new Fetch("many");
    long ia = steering.start(a);
    long ib = steering.start(b);
    long ifew = steering.start(few);
    long imany = steering.start(many);
    demand.put(few.key, 1);
    demand.put(many.key, 3);
    steering.upstreamGranted(lease(ia, a));
    steering.upstreamGranted(lease(ib, b));
    steering.upstreamGranted(lease(ifew, few));
    steering.upstreamGranted(lease(imany, many));
    assertEquals(List.of(new Steer.FromUpstream<>(a), new Steer.FromUpstream<>(b)), taken());
    assertEquals(Steering.Mode.QUEUED, steering.mode(many));
    assertFalse(steering.decided(many.key), "waiting for a slot");

    steering.stored(a, 10, DIGEST);
    assertEquals(List.of(new Steer.FromUpstream<>(many), new Steer.TellHave<>(a, a.key, 10, DIGEST, true)), taken());
    steering.failed(b, "reset");
    assertEquals(List.of(new Steer.FromUpstream<>(few), new Steer.TellFetchFailed<Fetch>(b.key, "reset")), taken());
  }

  @Test
  void aQueuedRequestPointedAtPeers_leavesTheQueue() {
    Steering<Fetch> one = steering(1);
    Fetch a = new Fetch("a");
    Fetch b = new Fetch("b");
    Fetch c = new Fetch("c");
    long ia = one.start(a);
    long ib = one.start(b);
    long ic = one.start(c);
    one.upstreamGranted(lease(ia, a));
    one.upstreamGranted(lease(ib, b));
    one.upstreamGranted(lease(ic, c));
    one.streamFrom(stream(ib, b, A));
    taken();
    one.stored(a, 10, DIGEST);
    assertEquals(List.of(new Steer.FromUpstream<>(c), new Steer.TellHave<>(a, a.key, 10, DIGEST, true)), taken());
  }

  @Test
  void aLeaseForAnEndedRequest_isHandedBack() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    f.over = true;
    steering.upstreamGranted(lease(id, f));
    steering.upstreamGranted(lease(99, new Fetch("unknown")));
    assertEquals(List.of(new Steer.TellFetchFailed<Fetch>(f.key, Steering.LEASE_ENDED),
        new Steer.TellFetchFailed<Fetch>(new Fetch("unknown").key, Steering.LEASE_ENDED)), taken());
  }

  @Test
  void aRequestThatEndsWhileQueued_givesTheLeaseBackWhenItsTurnComes() {
    Steering<Fetch> one = steering(1);
    Fetch a = new Fetch("a");
    Fetch b = new Fetch("b");
    long ia = one.start(a);
    long ib = one.start(b);
    one.upstreamGranted(lease(ia, a));
    one.upstreamGranted(lease(ib, b));
    b.over = true;
    taken();
    one.stored(a, 10, DIGEST);
    assertEquals(List.of(new Steer.TellFetchFailed<Fetch>(b.key, Steering.LEASE_ENDED),
        new Steer.TellHave<>(a, a.key, 10, DIGEST, true)), taken());
  }

  @Test
  void aRequestTakenFromPeersThatFails_givesUpAndNamesItsLastSource() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.streamFrom(stream(id, f, A));
    taken();
    assertEquals(A, steering.failed(f, "wrong bytes"));
    assertEquals(List.of(new Steer.TellGaveUp<>(f, id, f.key)), taken());
    assertFalse(steering.steers(f));
    assertNull(steering.failed(f, "again"), "already over");
    assertEquals(List.of(), taken());
  }

  @Test
  void anUpstreamFetchThatFails_namesNoPeer() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.streamFrom(stream(id, f, A));
    steering.upstreamGranted(lease(id, f));
    taken();
    assertNull(steering.failed(f, "reset"));
    assertEquals(List.of(new Steer.TellFetchFailed<Fetch>(f.key, "reset")), taken());
  }

  @Test
  void aStaleHandle_forTheSameKey_isIgnored() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.streamFrom(stream(id, f, A));
    taken();
    Fetch other = new Fetch("a");
    steering.sourceFailed(other, false);
    steering.stored(other, 10, DIGEST);
    assertEquals(List.of(), taken());
    assertTrue(steering.steers(f));
  }

  @Test
  void aWholeStream_waitsForItsDigest_andCompletesWhenItIsAnnounced() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.streamFrom(stream(id, f, A));
    taken();
    steering.bodyWhole(f);
    assertEquals(List.of(new Steer.AwaitDigest<>(f, 1, Steering.DIGEST_WAIT_MILLIS)), taken());
    steering.digestAnnounced(f.key, DIGEST);
    assertEquals(List.of(new Steer.Complete<>(f)), taken());
  }

  @Test
  void aDigestAnnouncedEarly_completesTheBodyAsItArrives() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.streamFrom(stream(id, f, A));
    steering.digestAnnounced(f.key, DIGEST);
    taken();
    steering.bodyWhole(f);
    assertEquals(List.of(new Steer.Complete<>(f)), taken());
  }

  @Test
  void holdersAndUpstream_needNoAnnouncement() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.takeFromHolders(holders(id, f, A));
    taken();
    steering.bodyWhole(f);
    assertEquals(List.of(new Steer.Complete<>(f)), taken());

    Fetch g = new Fetch("b");
    long gid = steering.start(g);
    steering.upstreamGranted(lease(gid, g));
    taken();
    steering.bodyWhole(g);
    assertEquals(List.of(new Steer.Complete<>(g)), taken());
  }

  @Test
  void aDigestThatNeverComes_abandonsTheRequest_butOnlyForTheSourceItWasArmedFor() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.streamFrom(stream(id, f, A, B));
    steering.bodyWhole(f);
    taken();
    steering.digestOverdue(f, 1);
    assertEquals(List.of(new Steer.Abandon<>(f)), taken());

    steering.sourceFailed(f, false); // now from B: the wait armed for A is stale
    taken();
    steering.digestOverdue(f, 1);
    assertEquals(List.of(), taken());
  }

  @Test
  void newSources_forgetAnAnnouncementMadeForTheOldOnes() {
    Fetch f = new Fetch("a");
    long id = steering.start(f);
    steering.streamFrom(stream(id, f, A));
    steering.digestAnnounced(f.key, DIGEST);
    steering.streamFrom(stream(id, f, B));
    taken();
    steering.bodyWhole(f);
    assertEquals(List.of(new Steer.AwaitDigest<>(f, 2, Steering.DIGEST_WAIT_MILLIS)), taken());
  }

  @Test
  void progressIsReportedOnlyPastAsking_andTheRequestsComeOldestFirst() {
    Fetch a = new Fetch("a");
    Fetch b = new Fetch("b");
    steering.start(a);
    long ib = steering.start(b);
    steering.streamFrom(stream(ib, b, A));
    assertEquals(List.of(a, b), steering.fetches());
    assertFalse(steering.pastAsking(a));
    assertTrue(steering.pastAsking(b));
    assertEquals(2, steering.size());
    steering.clear();
    assertEquals(0, steering.size());
    assertFalse(steering.steers(b.key));
  }
}
