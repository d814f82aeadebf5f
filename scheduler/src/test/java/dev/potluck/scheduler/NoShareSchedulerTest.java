package dev.potluck.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.potluck.protocol.Message.Take;
import dev.potluck.protocol.Message.Want;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A node run with --no-share: it takes from the LAN, and no arbiter ever offers it to anyone. */
class NoShareSchedulerTest {

  private static final String URL = "http://deb.example/pool/x.deb";
  private static final ObjectKey KEY = new ObjectKey(Sha256.of("x").hex());
  private static final Sha256 DIGEST = Sha256.of("body");
  private static final long SIZE = 9_000_000;

  private final List<NodeId> nodes = new ArrayList<>();
  private final List<NodeId> view;
  private final Scheduler arbiter;

  NoShareSchedulerTest() {
    Random random = new Random(7);
    for (int i = 0; i < 6; i++) {
      nodes.add(NodeId.random(random));
    }
    view = List.copyOf(nodes);
    NodeId owner = Rendezvous.owner(KEY, nodes);
    arbiter = new Scheduler(owner, SchedulerConfig.defaults());
    arbiter.onViewChanged(0, nodes);
    nodes.remove(owner);
  }

  private static Message answer(List<Action> actions, NodeId to) {
    for (Action a : actions) {
      if (a instanceof Action.Send s && s.to().equals(to)) {
        return s.message();
      }
    }
    throw new AssertionError("no message to " + to + " in " + actions);
  }

  private static List<Message> sent(List<Action> actions) {
    List<Message> out = new ArrayList<>();
    for (Action a : actions) {
      if (a instanceof Action.Send s) {
        out.add(s.message());
      } else if (a instanceof Action.Broadcast b) {
        out.add(b.message());
      }
    }
    return out;
  }

  // ---- the arbiter's side

  @Test
  void take_nobodyHasIt_grantWithoutLease_nextRequesterFetchesToo_notFromIt() {
    NodeId taker = nodes.get(0);
    NodeId other = nodes.get(1);

    assertEquals(new Grant(1, KEY, 0), answer(arbiter.onMessage(0, taker, new Take(1, KEY, URL)), taker));
    assertEquals(Map.of(), arbiter.leases());

    assertEquals(new Grant(2, KEY, 0), answer(arbiter.onMessage(10, other, new Want(2, KEY, URL)), other));
    assertEquals(Map.of(KEY, other), arbiter.leases());
  }

  @Test
  void take_whileFetched_streamsFromTheFetcher_butIsNeverARelay() {
    NodeId fetcher = nodes.get(0);
    NodeId taker = nodes.get(1);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    assertEquals(new StreamFrom(2, KEY, List.of(fetcher)), answer(arbiter.onMessage(1, taker, new Take(2, KEY, URL)), taker));
    arbiter.onMessage(2, nodes.get(2), new Want(3, KEY, URL)); // the fetcher's fan-out (two) is now full
    arbiter.onMessage(500, taker, new Progress(KEY, 8_000_000)); // far ahead of everyone

    Message late = answer(arbiter.onMessage(600, nodes.get(3), new Want(4, KEY, URL)), nodes.get(3));

    assertTrue(late instanceof StreamFrom s && !s.sources().contains(taker), late.toString());
  }

  @Test
  void take_receivesTheDigest_andIsNeverTheLeaseHeir() {
    NodeId fetcher = nodes.get(0);
    NodeId taker = nodes.get(1);
    NodeId waiter = nodes.get(2);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, taker, new Take(2, KEY, URL));
    arbiter.onMessage(2, waiter, new Want(3, KEY, URL));
    arbiter.onMessage(500, taker, new Progress(KEY, 8_000_000));
    arbiter.onMessage(500, waiter, new Progress(KEY, 1_000));

    List<NodeId> survivors = new ArrayList<>(view);
    survivors.remove(fetcher);
    List<Action> actions = arbiter.onViewChanged(1_000, survivors);

    // The heir is the sharing waiter, though it has fewer bytes; the taker follows it.
    assertEquals(new Grant(3, KEY, 1_000), answer(actions, waiter));
    assertEquals(new StreamFrom(2, KEY, List.of(waiter)), answer(actions, taker));
    List<Action> done = arbiter.onMessage(2_000, waiter, new Done(KEY, SIZE, DIGEST));
    assertEquals(new Announce(KEY, SIZE, DIGEST), answer(done, taker));
  }

  @Test
  void take_onlyTakerStreaming_fetcherDies_nobodyInherits_takerIsGrantedWhenItAsksAgain() {
    NodeId fetcher = nodes.get(0);
    NodeId taker = nodes.get(1);
    arbiter.onMessage(0, fetcher, new Want(1, KEY, URL));
    arbiter.onMessage(1, taker, new Take(2, KEY, URL));

    List<NodeId> survivors = new ArrayList<>(view);
    survivors.remove(fetcher);
    List<Action> actions = arbiter.onViewChanged(1_000, survivors);

    assertTrue(sent(actions).stream().noneMatch(m -> m instanceof Grant), actions.toString());
    assertEquals(new Grant(2, KEY, 0), answer(arbiter.onMessage(7_000, taker, new Take(2, KEY, URL)), taker));
    assertEquals(Map.of(), arbiter.leases());
  }

  @Test
  void takersClaims_neverMakeItAHolder() {
    NodeId taker = nodes.get(0);
    arbiter.onMessage(0, taker, new Take(1, KEY, URL));
    arbiter.onMessage(1, taker, new Have(KEY, SIZE, DIGEST));
    arbiter.onMessage(2, taker, new Done(KEY, SIZE, DIGEST));
    arbiter.onMessage(3, taker, new Fetching(KEY, URL, 10));

    NodeId other = nodes.get(1);
    assertEquals(new Grant(2, KEY, 0), answer(arbiter.onMessage(10, other, new Want(2, KEY, URL)), other));
    assertEquals(Map.of(KEY, other), arbiter.leases());
    assertEquals(List.of(), holders(KEY));
  }

  @Test
  void take_holderKnown_fetchFrom_andTheTakerIsNotRecorded() {
    NodeId holder = nodes.get(0);
    NodeId taker = nodes.get(1);
    arbiter.onMessage(0, holder, new Have(KEY, SIZE, DIGEST));

    assertEquals(new FetchFrom(1, KEY, List.of(holder), SIZE, DIGEST),
        answer(arbiter.onMessage(1, taker, new Take(1, KEY, URL)), taker));
    for (int i = 2; i < 5; i++) {
      Message m = answer(arbiter.onMessage(i, nodes.get(i), new Want(i, KEY, URL)), nodes.get(i));
      assertTrue(m instanceof FetchFrom f && !f.holders().contains(taker), m.toString());
    }
  }

  @Test
  void takerLeavesTheView_andComesBackSharing_isASourceAgain() {
    NodeId node = nodes.get(0);
    arbiter.onMessage(0, node, new Take(1, KEY, URL));
    List<NodeId> without = new ArrayList<>(view);
    without.remove(node);
    arbiter.onViewChanged(10, without);
    arbiter.onViewChanged(20, view);

    arbiter.onMessage(30, node, new Have(KEY, SIZE, DIGEST));

    assertEquals(List.of(node), holders(KEY));
  }

  private List<NodeId> holders(ObjectKey key) {
    return arbiter.holdersByKey().getOrDefault(key, List.of());
  }

  // ---- the no-share node's own side

  @Test
  void noShareNode_asksWithTake_andAnnouncesNothingItFetches() {
    NodeId self = nodes.get(0);
    Scheduler node = new Scheduler(self, SchedulerConfig.defaults(), false);
    node.onViewChanged(0, view);
    NodeId arbiterId = node.arbiterOf(KEY);

    List<Action> asked = node.onRequest(0, 1, KEY, URL);
    assertEquals(List.of(new Take(1, KEY, URL)), sent(asked));

    List<Action> granted = node.onMessage(5, arbiterId, new Grant(1, KEY, 0));
    assertEquals(List.of(new Action.FetchUpstream(1, KEY, URL, 0)), granted);
    assertEquals(List.of(), sent(node.onLocalProgress(1_000, KEY, 500)));
    assertEquals(List.of(), sent(node.onLocalFetchDone(2_000, KEY, URL, SIZE, DIGEST)));
    assertEquals(List.of(), sent(node.onLocalFetchFailed(2_000, KEY, "x")));
    // A new view: nothing to re-announce.
    List<NodeId> smaller = new ArrayList<>(view);
    smaller.remove(nodes.get(4));
    assertTrue(sent(node.onViewChanged(3_000, smaller)).stream().noneMatch(m -> m instanceof Have), "no Have");
    assertFalse(node.shares());
  }

  @Test
  void noShareNode_stream_reportsProgress_thenDrop_neverHave() {
    NodeId self = nodes.get(0);
    Scheduler node = new Scheduler(self, SchedulerConfig.defaults(), false);
    node.onViewChanged(0, view);
    NodeId arbiterId = node.arbiterOf(KEY);
    NodeId source = nodes.get(1).equals(arbiterId) ? nodes.get(2) : nodes.get(1);
    node.onRequest(0, 1, KEY, URL);
    node.onMessage(5, arbiterId, new StreamFrom(1, KEY, List.of(source)));

    assertEquals(List.of(new Progress(KEY, 500)), sent(node.onLocalProgress(1_000, KEY, 500)));
    assertEquals(List.of(new Drop(KEY)), sent(node.onLocalHave(2_000, KEY, URL, SIZE, DIGEST)));
  }

  @Test
  void noShareNode_clusterSilent_fetchesAloneWithoutFetching() {
    NodeId self = nodes.get(0);
    Scheduler node = new Scheduler(self, SchedulerConfig.defaults(), false);
    node.onViewChanged(0, view);
    node.onRequest(0, 1, KEY, URL);

    List<Action> actions = node.onTick(SchedulerConfig.DEFAULT_REQUEST_TIMEOUT_MILLIS + 1,
        new Load(0, 0, 1, 0, 7879, "t"));

    assertTrue(actions.contains(new Action.FetchUpstream(1, KEY, URL, 0)), actions.toString());
    assertTrue(sent(actions).stream().noneMatch(m -> m instanceof Fetching), actions.toString());
  }

  @Test
  void noShareNode_isItsOwnArbiter_stillNeverAHolder() {
    NodeId owner = Rendezvous.owner(KEY, view);
    Scheduler node = new Scheduler(owner, SchedulerConfig.defaults(), false);
    node.onViewChanged(0, view);

    assertEquals(List.of(new Action.FetchUpstream(1, KEY, URL, 0)), node.onRequest(0, 1, KEY, URL));
    node.onLocalFetchDone(100, KEY, URL, SIZE, DIGEST);

    NodeId other = view.get(0).equals(owner) ? view.get(1) : view.get(0);
    assertEquals(new Grant(2, KEY, 0), answer(node.onMessage(200, other, new Want(2, KEY, URL)), other));
  }
}
