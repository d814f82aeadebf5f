package dev.potluck.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.Message;
import dev.potluck.protocol.Message.Announce;
import dev.potluck.protocol.Message.Done;
import dev.potluck.protocol.Message.Drop;
import dev.potluck.protocol.Message.FetchFrom;
import dev.potluck.protocol.Message.Fetching;
import dev.potluck.protocol.Message.Grant;
import dev.potluck.protocol.Message.Have;
import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.Message.Progress;
import dev.potluck.protocol.Message.StreamFrom;
import dev.potluck.protocol.Message.Want;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One arbiter's decisions, driven message by message. */
class SchedulerTest {

  private static final String URL = "http://deb.example/pool/x.deb";
  private static final ObjectKey KEY = new ObjectKey(Sha256.of("x").hex());
  private static final Sha256 DIGEST = Sha256.of("body");

  private final List<NodeId> nodes = new ArrayList<>();
  private final Scheduler arbiter;

  SchedulerTest() {
    Random random = new Random(1);
    for (int i = 0; i < 6; i++) {
      nodes.add(NodeId.random(random));
    }
    NodeId owner = Rendezvous.owner(KEY, nodes);
    arbiter = new Scheduler(owner, SchedulerConfig.defaults());
    arbiter.onViewChanged(0, nodes);
    nodes.remove(owner);
  }

  private Message answer(List<Action> actions, NodeId to) {
    for (Action a : actions) {
      if (a instanceof Action.Send s && s.to().equals(to)) {
        return s.message();
      }
    }
    throw new AssertionError("no message to " + to + " in " + actions);
  }

  @Test
  void want_firstGetsLeaseNextStreamFromFetcher() {
    assertEquals(new Grant(1, KEY, 0), answer(arbiter.onMessage(0, nodes.get(0), new Want(1, KEY, URL)), nodes.get(0)));
    assertEquals(new StreamFrom(2, KEY, List.of(nodes.get(0))),
        answer(arbiter.onMessage(1, nodes.get(1), new Want(2, KEY, URL)), nodes.get(1)));
    assertEquals(1, arbiter.leases().size());
  }

  @Test
  void crowdAskingOneHolder_becomesARelayTree_withTheHolderAsFallback() {
    NodeId holder = nodes.get(0);
    arbiter.onMessage(0, holder, new Have(KEY, 9_000_000, DIGEST));
    int fanOut = SchedulerConfig.defaults().maxUploads();
    for (int i = 1; i <= fanOut; i++) {
      assertEquals(new FetchFrom(i, KEY, List.of(holder), 9_000_000, DIGEST),
          answer(arbiter.onMessage(i, nodes.get(i), new Want(i, KEY, URL)), nodes.get(i)));
    }
    NodeId furthest = nodes.get(fanOut);
    arbiter.onMessage(fanOut + 1, furthest, new Progress(KEY, 5_000_000));

    NodeId late = nodes.get(fanOut + 1);
    assertEquals(new FetchFrom(9, KEY, List.of(furthest, holder), 9_000_000, DIGEST),
        answer(arbiter.onMessage(fanOut + 2, late, new Want(9, KEY, URL)), late));
  }

  @Test
  void fetcherLeaves_receiversBelowItsRelaysArePointedAtLiveSourcesToo() {
    // Fan-out two: nodes 1 and 2 stream from the fetcher, node 3 from node 1. When the fetcher dies,
    // node 1 stalls while it is re-pointed, and node 3 with it: node 3 must be re-pointed as well.
    NodeId fetcher = nodes.get(0);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, nodes.get(1), new Want(2, KEY, URL));
    arbiter.onMessage(2, nodes.get(2), new Want(3, KEY, URL));
    assertEquals(new StreamFrom(4, KEY, List.of(nodes.get(1), fetcher)),
        answer(arbiter.onMessage(3, nodes.get(3), new Want(4, KEY, URL)), nodes.get(3)));
    arbiter.onMessage(900, nodes.get(1), new Progress(KEY, 5_000_000));
    arbiter.onMessage(900, nodes.get(2), new Progress(KEY, 30_000_000));

    List<NodeId> survivors = new ArrayList<>(nodes);
    survivors.remove(fetcher);
    survivors.add(arbiter.self());
    List<Action> actions = arbiter.onViewChanged(2_000, survivors);

    NodeId heir = nodes.get(2);
    assertEquals(new Grant(3, KEY, 30_000_000), answer(actions, heir));
    assertEquals(new StreamFrom(2, KEY, List.of(heir)), answer(actions, nodes.get(1)));
    assertEquals(new StreamFrom(4, KEY, List.of(heir)), answer(actions, nodes.get(3)));
  }

  @Test
  void streamUnknownToANewArbiter_isAdoptedFromItsProgress_andLearnsTheDigest() {
    // After a view change the fetcher re-announces itself; a node streaming the key only reports
    // progress. Without adoption it would never hear the digest its body must match.
    NodeId fetcher = nodes.get(0);
    NodeId streaming = nodes.get(1);
    arbiter.onMessage(0, fetcher, new Fetching(KEY, URL, 4_000_000));
    assertEquals(List.of(), arbiter.onMessage(10, streaming, new Progress(KEY, 3_000_000)));

    List<Action> actions = arbiter.onMessage(20, fetcher, new Done(KEY, 9_000_000, DIGEST));

    assertEquals(new Announce(KEY, 9_000_000, DIGEST), answer(actions, streaming));
  }

  @Test
  void streamReportingAfterTheFetchEnded_isToldTheDigestAtOnce() {
    arbiter.onMessage(0, nodes.get(0), new Fetching(KEY, URL, 0));
    arbiter.onMessage(5, nodes.get(0), new Done(KEY, 9_000_000, DIGEST));

    List<Action> actions = arbiter.onMessage(10, nodes.get(1), new Progress(KEY, 8_000_000));

    assertEquals(new Announce(KEY, 9_000_000, DIGEST), answer(actions, nodes.get(1)));
  }

  @Test
  void leaseInheritedFromAnArbiterThatAdoptedTheStream_usesTheStreamsOwnRequestId() {
    NodeId self = nodes.get(2);
    NodeId other = nodes.get(3);
    Scheduler receiver = new Scheduler(self, SchedulerConfig.defaults());
    receiver.onViewChanged(0, List.of(self, other, arbiter.self()));
    receiver.onRequest(0, 7, KEY, URL);
    NodeId arbiterOfKey = receiver.arbiterOf(KEY);
    receiver.onMessage(1, arbiterOfKey, new StreamFrom(7, KEY, List.of(other)));

    List<Action> actions = receiver.onMessage(2, arbiterOfKey, new Grant(-1, KEY, 5_000));

    assertEquals(List.of(new Action.FetchUpstream(7, KEY, URL, 5_000)), actions);
  }

  @Test
  void fetcherLeaves_receiverFurthestAlongInheritsTheLeaseAtItsBytes() {
    NodeId fetcher = nodes.get(0);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, nodes.get(1), new Want(2, KEY, URL));
    arbiter.onMessage(2, nodes.get(2), new Want(3, KEY, URL));
    arbiter.onMessage(3, nodes.get(3), new Want(4, KEY, URL));
    arbiter.onMessage(900, nodes.get(1), new Progress(KEY, 5_000_000));
    arbiter.onMessage(900, nodes.get(2), new Progress(KEY, 30_000_000));
    arbiter.onMessage(900, nodes.get(3), new Progress(KEY, 12_000_000));

    List<NodeId> survivors = new ArrayList<>(nodes);
    survivors.remove(fetcher);
    survivors.add(arbiter.self());
    List<Action> actions = arbiter.onViewChanged(2_000, survivors);

    assertEquals(new Grant(3, KEY, 30_000_000), answer(actions, nodes.get(2)));
    assertEquals(new StreamFrom(2, KEY, List.of(nodes.get(2))), answer(actions, nodes.get(1)));
    assertEquals(nodes.get(2), arbiter.leases().get(KEY));
  }

  @Test
  void stuckFetcher_leasePassesAfterTheLeaseTimeout() {
    arbiter.onMessage(0, nodes.get(0), new Want(1, KEY, URL));
    arbiter.onMessage(1, nodes.get(1), new Want(2, KEY, URL));
    Load idle = new Load(0, 0, 0, 0, 7879, "t");
    assertTrue(arbiter.onTick(SchedulerConfig.DEFAULT_LEASE_TIMEOUT_MILLIS - 1, idle).stream()
        .noneMatch(a -> a instanceof Action.Send s && s.message() instanceof Grant));
    List<Action> actions = arbiter.onTick(SchedulerConfig.DEFAULT_LEASE_TIMEOUT_MILLIS, idle);
    assertEquals(new Grant(2, KEY, 0), answer(actions, nodes.get(1)));
  }

  @Test
  void heldObject_holdersRankedByLoadAndRecentAssignments() {
    NodeId busy = nodes.get(0);
    NodeId idle = nodes.get(1);
    arbiter.onMessage(0, busy, new Have(KEY, 100, DIGEST));
    arbiter.onMessage(0, idle, new Have(KEY, 100, DIGEST));
    arbiter.onMessage(0, busy, new Load(3, 0, 0, 0, 7879, "t"));
    arbiter.onMessage(0, idle, new Load(0, 0, 0, 0, 7879, "t"));
    FetchFrom first = (FetchFrom) answer(arbiter.onMessage(1, nodes.get(2), new Want(1, KEY, URL)), nodes.get(2));
    assertEquals(List.of(idle, busy), first.holders());
    assertEquals(100, first.size());
    assertEquals(DIGEST, first.sha256());
    // Three more assignments to the idle holder make it as loaded as the busy one, and then more.
    for (int i = 0; i < 3; i++) {
      arbiter.onMessage(2, nodes.get(3), new Want(10 + i, KEY, URL));
    }
    FetchFrom later = (FetchFrom) answer(arbiter.onMessage(3, nodes.get(4), new Want(20, KEY, URL)), nodes.get(4));
    // Both holders are now at the fan-out: a node already receiving it relays, the holders behind it.
    assertEquals(nodes.get(2), later.holders().get(0));
    assertEquals(Set.of(busy, idle), Set.copyOf(later.holders().subList(1, 3)));

    // The idle holder's own gossip, well after those assignments, says they are over: it leads again.
    arbiter.onMessage(1_000, idle, new Load(0, 0, 0, 0, 7879, "t"));
    FetchFrom afterGossip = (FetchFrom) answer(arbiter.onMessage(1_001, nodes.get(4), new Want(21, KEY, URL)),
        nodes.get(4));
    assertEquals(idle, afterGossip.holders().get(0));
  }

  @Test
  void requestToSilentArbiter_fallsBackUpstreamAfterTheTimeout() {
    NodeId self = nodes.get(0);
    Scheduler requester = new Scheduler(self, SchedulerConfig.defaults());
    List<NodeId> view = new ArrayList<>(nodes);
    view.add(arbiter.self());
    requester.onViewChanged(0, view);
    List<Action> sent = requester.onRequest(0, 7, KEY, URL);
    assertEquals(List.of(new Action.Send(arbiter.self(), new Want(7, KEY, URL))), sent);
    Load idle = new Load(0, 0, 0, 0, 7879, "t");
    assertTrue(requester.onTick(1_999, idle).stream().noneMatch(a -> a instanceof Action.FetchUpstream));
    assertTrue(requester.onTick(2_000, idle).contains(new Action.FetchUpstream(7, KEY, URL, 0)));
  }

  @Test
  void brokenStream_waitsForARepointThenAsksTheArbiterThenFallsBackUpstream() {
    Scheduler receiving = requesterIn(nodes.get(1));
    receiving.onRequest(0, 2, KEY, URL);
    receiving.onMessage(1, arbiter.self(), new StreamFrom(2, KEY, List.of(nodes.get(0))));
    Load idle = new Load(0, 0, 0, 0, 7879, "t");
    assertEquals(List.of(), receiving.onLocalStreamFailed(100, 2, KEY, URL));
    long recovery = SchedulerConfig.DEFAULT_STREAM_RECOVERY_MILLIS;
    assertTrue(receiving.onTick(100 + recovery - 1, idle).stream().noneMatch(a -> a instanceof Action.Send s
        && s.message() instanceof Want), "the arbiter gets the failure detector's time to re-point the stream");
    assertTrue(receiving.onTick(100 + recovery, idle).contains(new Action.Send(arbiter.self(), new Want(2, KEY, URL))),
        "then it is asked again, and not fetched behind its back");
    long asked = 100 + recovery;
    long lease = SchedulerConfig.DEFAULT_LEASE_TIMEOUT_MILLIS;
    assertTrue(receiving.onTick(asked + lease - 1, idle).stream().noneMatch(a -> a instanceof Action.FetchUpstream));
    List<Action> alone = receiving.onTick(asked + lease, idle);
    assertTrue(alone.contains(new Action.FetchUpstream(2, KEY, URL, 0)), "a silent arbiter: upstream alone");
    assertTrue(alone.contains(new Action.Send(arbiter.self(), new Fetching(KEY, URL, 0))),
        "and the arbiter is told, so that later requesters stream from it");
  }

  @Test
  void streamBreakingAgainAndAgain_fetchesUpstreamAfterMaxStalls() {
    Scheduler receiving = requesterIn(nodes.get(1));
    receiving.onRequest(0, 2, KEY, URL);
    for (int i = 1; i <= Scheduler.MAX_STALLS; i++) {
      receiving.onMessage(i * 10, arbiter.self(), new StreamFrom(2, KEY, List.of(nodes.get(0))));
      assertEquals(List.of(), receiving.onLocalStreamFailed(i * 10 + 5, 2, KEY, URL));
    }
    receiving.onMessage(1_000, arbiter.self(), new StreamFrom(2, KEY, List.of(nodes.get(0))));
    assertTrue(receiving.onLocalStreamFailed(1_005, 2, KEY, URL).contains(new Action.FetchUpstream(2, KEY, URL, 0)));
  }

  @Test
  void receiverAskingAgain_whileTheFetcherIsQuiet_oneHeirIsGranted() {
    NodeId fetcher = nodes.get(0);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, nodes.get(1), new Want(2, KEY, URL));
    arbiter.onMessage(1, nodes.get(2), new Want(3, KEY, URL));
    arbiter.onMessage(900, fetcher, new Progress(KEY, 9_000));
    arbiter.onMessage(950, nodes.get(1), new Progress(KEY, 8_000));
    arbiter.onMessage(950, nodes.get(2), new Progress(KEY, 7_000));
    long quiet = 900 + SchedulerConfig.DEFAULT_STREAM_RECOVERY_MILLIS;
    // Asked again before the fetcher has been quiet for the recovery wait: it is still the source.
    List<Action> early = arbiter.onMessage(quiet - 1, nodes.get(2), new Want(3, KEY, URL));
    assertEquals(List.of(new Action.Send(nodes.get(2), new StreamFrom(3, KEY, List.of(fetcher)))), early);
    // Both receivers ask again once it is quiet (the view has not noticed the death yet).
    List<Action> first = arbiter.onMessage(quiet, nodes.get(2), new Want(3, KEY, URL));
    List<Action> second = arbiter.onMessage(quiet + 1, nodes.get(1), new Want(2, KEY, URL));
    List<Action> all = new ArrayList<>(first);
    all.addAll(second);
    // The heir's own second Want crossed its Grant: it may hear the Grant again, nobody else hears one.
    long heirs = all.stream().filter(a -> a instanceof Action.Send s && s.message() instanceof Grant)
        .map(a -> ((Action.Send) a).to()).distinct().count();
    assertEquals(1, heirs, "one heir: " + all);
    assertTrue(second.contains(new Action.Send(nodes.get(1), new Grant(2, KEY, 8_000))),
        "a Want that crossed its Grant is answered with the same lease: " + second);
    assertTrue(first.contains(new Action.Send(nodes.get(1), new Grant(2, KEY, 8_000))),
        "the receiver furthest along inherits the lease: " + first);
    assertTrue(all.contains(new Action.Send(nodes.get(2), new StreamFrom(3, KEY, List.of(nodes.get(1))))),
        "the other streams from the heir: " + all);
    assertEquals(nodes.get(1), arbiter.leases().get(KEY));
  }

  @Test
  void brokenStream_repointedByTheArbiterStreamsFromTheNewSource() {
    Scheduler receiving = requesterIn(nodes.get(1));
    receiving.onRequest(0, 2, KEY, URL);
    receiving.onMessage(1, arbiter.self(), new StreamFrom(2, KEY, List.of(nodes.get(0))));
    receiving.onLocalStreamFailed(100, 2, KEY, URL);
    assertEquals(List.of(new Action.StreamFromPeers(2, KEY, List.of(nodes.get(2)))),
        receiving.onMessage(1_500, arbiter.self(), new StreamFrom(2, KEY, List.of(nodes.get(2)))));
    assertEquals(List.of(new Action.FetchUpstream(2, KEY, URL, 4_000)),
        receiving.onMessage(1_600, arbiter.self(), new Grant(2, KEY, 4_000)),
        "a lease inherited while streaming is taken up at the bytes the arbiter heard of");
  }

  @Test
  void everyHolderFailed_fetchesUpstreamAtOnce() {
    Scheduler requester = requesterIn(nodes.get(1));
    requester.onRequest(0, 3, KEY, URL);
    requester.onMessage(1, arbiter.self(), new FetchFrom(3, KEY, List.of(nodes.get(0)), 100, DIGEST));
    assertEquals(List.of(new Action.FetchUpstream(3, KEY, URL, 0), new Action.Send(arbiter.self(), new Fetching(KEY, URL, 0))),
        requester.onLocalSourcesFailed(2, 3, KEY, URL));
    assertTrue(requester.onTick(60_000, new Load(0, 0, 0, 0, 7879, "t")).stream()
        .noneMatch(a -> a instanceof Action.FetchUpstream), "and only once");
  }

  @Test
  void newMember_learnsTheLoadAtTheNextTick() {
    Scheduler node = requesterIn(nodes.get(1));
    Load load = new Load(1, 2, 3, 4, 7879, "t");
    assertTrue(node.onTick(0, load).contains(new Action.Send(arbiter.self(), load)), "every member was new");
    assertTrue(node.onTick(10, load).isEmpty(), "and is told once");
    Load busier = new Load(2, 2, 3, 4, 7879, "t");
    assertTrue(node.onTick(15, busier).isEmpty(), "a node holding nothing is ranked by no arbiter");
    List<NodeId> grown = new ArrayList<>(node.members());
    NodeId joiner = NodeId.random(new Random(99));
    grown.add(joiner);
    node.onViewChanged(20, grown);
    assertEquals(List.of(new Action.Send(joiner, busier)), node.onTick(30, busier));
  }

  @Test
  void claimsSentBeforeThisNodeSawTheSendersView_areKeptUntilItDoes() {
    // A node that is joining hears the members' re-announcements before it installs their view.
    Scheduler newcomer = new Scheduler(arbiter.self(), SchedulerConfig.defaults()); // KEY's arbiter in the view
    NodeId holder = nodes.get(0);
    assertEquals(List.of(), newcomer.onMessage(0, holder, new Have(KEY, 100, DIGEST)));
    List<NodeId> view = new ArrayList<>(nodes);
    view.add(arbiter.self());
    newcomer.onViewChanged(1, view);
    assertEquals(List.of(holder), newcomer.holdersByKey().get(KEY));

    NodeId departed = NodeId.random(new Random(77));
    newcomer.onMessage(2, departed, new Have(KEY, 100, DIGEST));
    newcomer.onViewChanged(3, view);
    assertEquals(List.of(holder), newcomer.holdersByKey().get(KEY), "a sender the next view lacks is not trusted");
  }

  private Scheduler requesterIn(NodeId self) {
    Scheduler scheduler = new Scheduler(self, SchedulerConfig.defaults());
    List<NodeId> view = new ArrayList<>(nodes);
    view.add(arbiter.self());
    scheduler.onViewChanged(0, view);
    return scheduler;
  }

  @Test
  void fetcherDone_receiversToldTheDigestAndTurnItIntoAnExpectation() {
    NodeId fetcher = nodes.get(0);
    NodeId receiver = nodes.get(1);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, receiver, new Want(2, KEY, URL));
    List<Action> actions = arbiter.onMessage(5, fetcher, new Message.Done(KEY, 100, DIGEST));
    assertEquals(new Message.Announce(KEY, 100, DIGEST), answer(actions, receiver));

    Scheduler receiving = new Scheduler(receiver, SchedulerConfig.defaults());
    List<NodeId> view = new ArrayList<>(nodes);
    view.add(arbiter.self());
    receiving.onViewChanged(0, view);
    receiving.onRequest(0, 2, KEY, URL);
    receiving.onMessage(1, arbiter.self(), new StreamFrom(2, KEY, List.of(fetcher)));
    assertEquals(List.of(new Action.ExpectDigest(KEY, 100, DIGEST)),
        receiving.onMessage(6, arbiter.self(), new Message.Announce(KEY, 100, DIGEST)));
    ObjectKey other = new ObjectKey(Sha256.of("other").hex());
    assertEquals(List.of(), receiving.onMessage(7, arbiter.self(), new Message.Announce(other, 1, DIGEST)),
        "an announcement for an object this node is not streaming is ignored");
  }

  @Test
  void clip_neverSplitsASurrogatePair() {
    String text = "a".repeat(511) + "\uD83D\uDE00";
    assertEquals("a".repeat(511), Scheduler.clip(text, 512));
    assertEquals("abc", Scheduler.clip("abc", 512));
  }
  // ---- authority inside the group (DESIGN.md, "Trust")

  private static final Sha256 FORGED = Sha256.of("forged body");

  @Test
  void answersFromAMemberThatIsNotTheKeysArbiter_areDroppedAndCounted() {
    NodeId self = nodes.get(2);
    Scheduler requester = requesterIn(self);
    requester.onRequest(0, 7, KEY, URL);
    NodeId rogue = nodes.get(3);

    assertEquals(List.of(), requester.onMessage(1, rogue, new Grant(7, KEY, 0)));
    assertEquals(List.of(), requester.onMessage(1, rogue, new StreamFrom(7, KEY, List.of(rogue))));
    assertEquals(List.of(), requester.onMessage(1, rogue, new FetchFrom(7, KEY, List.of(rogue), 100, FORGED)));
    assertEquals(3, requester.rejected(RejectReason.NOT_ARBITER));
    // The request still waits for its arbiter, which is believed.
    assertEquals(List.of(new Action.StreamFromPeers(7, KEY, List.of(nodes.get(0)))),
        requester.onMessage(2, arbiter.self(), new StreamFrom(7, KEY, List.of(nodes.get(0)))));
    assertEquals(List.of(), requester.onMessage(3, rogue, new Announce(KEY, 100, FORGED)));
    assertEquals(List.of(new Action.ExpectDigest(KEY, 100, DIGEST)),
        requester.onMessage(4, arbiter.self(), new Announce(KEY, 100, DIGEST)));
    assertEquals(java.util.Map.of(RejectReason.NOT_ARBITER, 4L), requester.rejected());
  }

  @Test
  void answersFromItself_whenItIsTheArbiter_areBelieved() {
    // A node that arbitrates its own request routes the answer to itself.
    Scheduler alone = new Scheduler(arbiter.self(), SchedulerConfig.defaults());
    assertEquals(List.of(new Action.FetchUpstream(1, KEY, URL, 0)), alone.onRequest(0, 1, KEY, URL));
    alone.onLocalFetchDone(5, KEY, URL, 100, DIGEST);
    assertEquals(List.of(alone.self()), alone.holdersByKey().get(KEY));
    assertEquals(java.util.Map.of(), alone.rejected());
  }

  @Test
  void answerFromTheArbiterOfAnOlderView_isDropped_andTheNewArbiterIsAsked() {
    NodeId self = nodes.get(2);
    Scheduler requester = requesterIn(self);
    requester.onRequest(0, 7, KEY, URL);
    NodeId oldArbiter = arbiter.self();
    List<NodeId> without = new ArrayList<>(nodes);
    List<Action> asked = requester.onViewChanged(10, without);
    NodeId newArbiter = requester.arbiterOf(KEY);
    assertEquals(new Want(7, KEY, URL), answer(asked, newArbiter));

    assertEquals(List.of(), requester.onMessage(11, oldArbiter, new Grant(7, KEY, 0)));
    assertEquals(1, requester.rejected(RejectReason.NOT_ARBITER));
    assertEquals(List.of(new Action.FetchUpstream(7, KEY, URL, 0)),
        requester.onMessage(12, newArbiter, new Grant(7, KEY, 0)));
  }

  @Test
  void doneFromAMemberWithoutTheLease_neverSetsTheDigest() {
    NodeId fetcher = nodes.get(0);
    NodeId rogue = nodes.get(1);
    NodeId receiver = nodes.get(2);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, receiver, new Want(2, KEY, URL));

    assertEquals(List.of(), arbiter.onMessage(2, rogue, new Done(KEY, 100, FORGED)));
    assertEquals(1, arbiter.rejected(RejectReason.NOT_LEASE_HOLDER));
    assertEquals(java.util.Map.of(KEY, fetcher), arbiter.leases(), "the lease is untouched");
    assertEquals(List.of(), arbiter.holdersByKey().get(KEY));

    List<Action> actions = arbiter.onMessage(3, fetcher, new Done(KEY, 100, DIGEST));
    assertEquals(new Announce(KEY, 100, DIGEST), answer(actions, receiver));
    assertEquals(List.of(fetcher), arbiter.holdersByKey().get(KEY));
  }

  @Test
  void doneFromAMemberWithoutTheLease_countsAsAHolderClaimOnlyAgainstTheKnownDigest() {
    NodeId fetcher = nodes.get(0);
    NodeId alone = nodes.get(1); // fetched upstream on its own while the lease was out
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, fetcher, new Done(KEY, 100, DIGEST));

    arbiter.onMessage(2, alone, new Done(KEY, 100, DIGEST));
    assertEquals(List.of(fetcher, alone), arbiter.holdersByKey().get(KEY));
    assertEquals(1, arbiter.rejected(RejectReason.NOT_LEASE_HOLDER));

    arbiter.onMessage(3, nodes.get(2), new Done(KEY, 100, FORGED));
    assertEquals(List.of(fetcher, alone), arbiter.holdersByKey().get(KEY));
    assertEquals(1, arbiter.rejected(RejectReason.DIGEST_CONFLICT));
  }

  @Test
  void knownDigest_isNeverReplaced_andADisagreeingHolderIsNotRecorded() {
    NodeId holder = nodes.get(0);
    NodeId liar = nodes.get(1);
    arbiter.onMessage(0, holder, new Have(KEY, 100, DIGEST));

    assertEquals(List.of(), arbiter.onMessage(1, liar, new Have(KEY, 100, FORGED)));
    assertEquals(List.of(), arbiter.onMessage(2, liar, new Have(KEY, 101, DIGEST)));
    assertEquals(2, arbiter.rejected(RejectReason.DIGEST_CONFLICT));
    assertEquals(List.of(holder), arbiter.holdersByKey().get(KEY));

    NodeId requester = nodes.get(2);
    assertEquals(new FetchFrom(5, KEY, List.of(holder), 100, DIGEST),
        answer(arbiter.onMessage(3, requester, new Want(5, KEY, URL)), requester));
  }

  @Test
  void holderThatChangesItsClaim_isNoLongerAHolder() {
    NodeId holder = nodes.get(0);
    arbiter.onMessage(0, holder, new Have(KEY, 100, DIGEST));
    arbiter.onMessage(1, nodes.get(1), new Have(KEY, 100, DIGEST));
    arbiter.onMessage(2, holder, new Have(KEY, 100, FORGED));
    assertEquals(List.of(nodes.get(1)), arbiter.holdersByKey().get(KEY));
  }

  @Test
  void haveWhileAnotherHoldsTheLease_doesNotNameTheDigest() {
    NodeId fetcher = nodes.get(0);
    NodeId rogue = nodes.get(1);
    NodeId receiver = nodes.get(2);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, receiver, new Want(2, KEY, URL));

    arbiter.onMessage(2, rogue, new Have(KEY, 100, FORGED));
    assertEquals(List.of(), arbiter.holdersByKey().get(KEY), "no digest yet: nothing to offer it with");

    List<Action> actions = arbiter.onMessage(3, fetcher, new Done(KEY, 100, DIGEST));
    assertEquals(new Announce(KEY, 100, DIGEST), answer(actions, receiver));
    arbiter.onMessage(4, rogue, new Have(KEY, 100, FORGED));
    assertEquals(List.of(fetcher), arbiter.holdersByKey().get(KEY));
    assertEquals(1, arbiter.rejected(RejectReason.DIGEST_CONFLICT));
  }

  @Test
  void leaseHoldersDone_disagreeingWithAKnownDigest_receiversAreToldTheKnownOne() {
    NodeId first = nodes.get(0);
    NodeId fetcher = nodes.get(1);
    NodeId receiver = nodes.get(2);
    arbiter.onMessage(0, first, new Have(KEY, 100, DIGEST));
    arbiter.onMessage(1, receiver, new Want(9, KEY, URL)); // a receiver keeps the key's state (and digest)
    arbiter.onMessage(2, first, new Drop(KEY));
    arbiter.onMessage(3, fetcher, new Want(1, KEY, URL));

    List<Action> actions = arbiter.onMessage(4, fetcher, new Done(KEY, 100, FORGED));
    assertEquals(new Announce(KEY, 100, DIGEST), answer(actions, receiver));
    assertEquals(List.of(), arbiter.holdersByKey().get(KEY));
    assertEquals(1, arbiter.rejected(RejectReason.DIGEST_CONFLICT));
  }

  @Test
  void receiverWithEveryByteStillReporting_isToldTheDigestAgain() {
    // Its Announce came from an arbiter its view did not know yet, and was dropped.
    NodeId fetcher = nodes.get(0);
    NodeId receiver = nodes.get(1);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, receiver, new Want(2, KEY, URL));
    arbiter.onMessage(2, fetcher, new Done(KEY, 100, DIGEST));
    assertEquals(List.of(), arbiter.onMessage(3, receiver, new Progress(KEY, 50)));
    assertEquals(new Announce(KEY, 100, DIGEST), answer(arbiter.onMessage(4, receiver, new Progress(KEY, 100)), receiver));
  }

  @Test
  void wantToANodeThatIsNotTheArbiter_isStillAnswered() {
    // Views differ briefly around a change: the requester may be a view ahead of or behind this node.
    Scheduler other = new Scheduler(nodes.get(3), SchedulerConfig.defaults());
    List<NodeId> view = new ArrayList<>(nodes);
    view.add(arbiter.self());
    other.onViewChanged(0, view);
    assertEquals(new Grant(1, KEY, 0), answer(other.onMessage(1, nodes.get(0), new Want(1, KEY, URL)), nodes.get(0)));
    assertEquals(java.util.Map.of(), other.rejected());
  }
}
