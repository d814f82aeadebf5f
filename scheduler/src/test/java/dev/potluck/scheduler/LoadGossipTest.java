package dev.potluck.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.Message.FetchFrom;
import dev.potluck.protocol.Message.Have;
import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.Message.Want;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Load reaches the arbiters that rank a holder, and only those. */
class LoadGossipTest {

  private static final Sha256 DIGEST = Sha256.of("body");
  private static final long SPACING = Scheduler.loadSpacingMillis(SchedulerConfig.defaults());

  private final List<NodeId> view = new ArrayList<>();
  private final NodeId self;
  private final Scheduler node;

  LoadGossipTest() {
    Random random = new Random(7);
    for (int i = 0; i < 30; i++) {
      view.add(NodeId.random(random));
    }
    self = view.get(0);
    node = new Scheduler(self, SchedulerConfig.defaults());
    node.onViewChanged(0, view);
  }

  private static Load load(int uploads) {
    return new Load(uploads, 0, 0, 0, 7879, "t");
  }

  /** Keys held by {@code node} whose arbiters are {@code count} distinct other members. */
  private List<ObjectKey> holdKeys(Scheduler holder, int count) {
    List<ObjectKey> keys = new ArrayList<>();
    Set<NodeId> arbiters = new LinkedHashSet<>();
    for (int i = 0; keys.size() < count; i++) {
      ObjectKey key = new ObjectKey(Sha256.of("key " + i).hex());
      NodeId arbiter = holder.arbiterOf(key);
      if (!arbiter.equals(holder.self()) && arbiters.add(arbiter)) {
        keys.add(key);
        holder.onLocalHave(1, key, "http://deb.example/pool/k" + i + ".deb", 100, DIGEST);
      }
    }
    return keys;
  }

  private static Set<NodeId> loadRecipients(List<Action> actions, Load load) {
    Set<NodeId> to = new LinkedHashSet<>();
    for (Action a : actions) {
      assertTrue(!(a instanceof Action.Broadcast), "load is never broadcast: " + a);
      if (a instanceof Action.Send s && s.message() instanceof Load l) {
        assertEquals(load, l);
        assertTrue(to.add(s.to()), "one message per member");
      }
    }
    return to;
  }

  private Set<NodeId> arbitersOf(List<ObjectKey> keys) {
    Set<NodeId> arbiters = new LinkedHashSet<>();
    keys.forEach(k -> arbiters.add(node.arbiterOf(k)));
    return arbiters;
  }

  @Test
  void joiningMembers_areToldTheLoadOnce_andNobodyElseWhileNothingIsHeld() {
    Set<NodeId> others = new LinkedHashSet<>(view);
    others.remove(self);
    assertEquals(others, loadRecipients(node.onTick(10, load(0)), load(0)), "the view was new: its peer port");
    assertEquals(Set.of(), loadRecipients(node.onTick(20, load(0)), load(0)));
    assertEquals(Set.of(), loadRecipients(node.onTick(5_000, load(2)), load(2)),
        "a node holding nothing is ranked by nobody, however busy");

    NodeId joiner = NodeId.random(new Random(99));
    List<NodeId> grown = new ArrayList<>(view);
    grown.add(joiner);
    node.onViewChanged(6_000, grown);
    assertEquals(Set.of(joiner), loadRecipients(node.onTick(6_010, load(2)), load(2)));
  }

  @Test
  void holder_tellsTheArbitersOfItsKeys_whenItsUploadCountChanges() {
    node.onTick(10, load(0)); // the newcomers' hello
    List<ObjectKey> keys = holdKeys(node, 3);
    assertEquals(Set.of(), loadRecipients(node.onTick(100, load(0)), load(0)), "idle is what they assume");

    assertEquals(arbitersOf(keys), loadRecipients(node.onTick(1_000, load(1)), load(1)));
    assertEquals(Set.of(), loadRecipients(node.onTick(1_100, load(1)), load(1)), "told already");
    assertEquals(Set.of(), loadRecipients(node.onTick(10_000, load(1)), load(1)), "no refresh of an unchanged count");

    assertEquals(arbitersOf(keys), loadRecipients(node.onTick(10_100, load(0)), load(0)), "uploads ended: idle again");
  }

  @Test
  void spacing_holdsBackAFlickeringCount_thenSendsTheSettledOne() {
    node.onTick(10, load(0));
    List<ObjectKey> keys = holdKeys(node, 2);
    assertEquals(arbitersOf(keys), loadRecipients(node.onTick(1_000, load(2)), load(2)));
    assertEquals(Set.of(), loadRecipients(node.onTick(1_000 + SPACING / 2, load(1)), load(1)));
    assertEquals(Set.of(), loadRecipients(node.onTick(1_000 + SPACING - 1, load(2)), load(2)),
        "back to what they were told: nothing to say");
    assertEquals(arbitersOf(keys), loadRecipients(node.onTick(1_000 + SPACING + 50, load(1)), load(1)));
  }

  @Test
  void viewChange_theNewArbiterOfAHeldKeyLearnsTheLoad() {
    node.onTick(10, load(0));
    ObjectKey key = holdKeys(node, 1).get(0);
    NodeId oldArbiter = node.arbiterOf(key);
    assertEquals(Set.of(oldArbiter), loadRecipients(node.onTick(1_000, load(2)), load(2)));

    List<NodeId> shrunk = new ArrayList<>(view);
    shrunk.remove(oldArbiter);
    List<Action> changed = node.onViewChanged(2_000, shrunk);
    NodeId newArbiter = node.arbiterOf(key);
    assertNotEquals(oldArbiter, newArbiter);
    assertTrue(changed.contains(new Action.Send(newArbiter, new Have(key, 100, DIGEST))));
    assertEquals(Set.of(newArbiter), loadRecipients(node.onTick(2_100, load(2)), load(2)));
  }

  @Test
  void nonSharingNode_tellsNoArbiter() {
    Scheduler taker = new Scheduler(self, SchedulerConfig.defaults(), false);
    taker.onViewChanged(0, view);
    taker.onTick(10, load(0));
    holdKeys(taker, 3);
    assertEquals(Set.of(), loadRecipients(taker.onTick(1_000, load(1)), load(1)));
  }

  @Test
  void arbiter_ranksByTheLastLoadItReceived_andAnUnheardHolderAsIdle() {
    ObjectKey key = new ObjectKey(Sha256.of("ranked").hex());
    NodeId arbiterId = Rendezvous.owner(key, view);
    Scheduler arbiter = new Scheduler(arbiterId, SchedulerConfig.defaults());
    arbiter.onViewChanged(0, view);
    List<NodeId> others = new ArrayList<>(view);
    others.remove(arbiterId);
    NodeId busy = others.get(0);
    NodeId unheard = others.get(1);
    NodeId requester = others.get(2);
    arbiter.onMessage(0, busy, new Have(key, 100, DIGEST));
    arbiter.onMessage(0, unheard, new Have(key, 100, DIGEST));
    arbiter.onMessage(0, busy, load(1));
    // Nothing more is heard for a minute: the last load still stands, the assignment window long over.
    for (long t = 1_000; t <= 60_000; t += 1_000) {
      arbiter.onTick(t, load(0));
    }
    FetchFrom answer = fetchFrom(arbiter.onMessage(60_001, requester, new Want(1, key, "http://deb.example/r.deb")));
    assertEquals(List.of(unheard, busy), answer.holders());

    // The busy holder's uploads ended and it said so: it is as idle as the other, and the one just
    // assigned a requester is now the busier.
    arbiter.onMessage(61_000, busy, load(0));
    FetchFrom next = fetchFrom(arbiter.onMessage(61_001, others.get(3), new Want(2, key, "http://deb.example/r.deb")));
    assertEquals(busy, next.holders().get(0));
  }

  @Test
  void loadFromAMemberWhoseViewIsNotInstalledYet_countsOnceItIs() {
    ObjectKey key = new ObjectKey(Sha256.of("early").hex());
    NodeId arbiterId = Rendezvous.owner(key, view);
    List<NodeId> others = new ArrayList<>(view);
    others.remove(arbiterId);
    NodeId newcomer = others.get(0);
    // An idle holder that would lose a tie to the newcomer: only the newcomer's load puts it first.
    long keyBits = Rendezvous.keyBits(key);
    NodeId idle = others.stream().skip(1)
        .filter(n -> Long.compareUnsigned(Rendezvous.score(keyBits, n), Rendezvous.score(keyBits, newcomer)) > 0)
        .findFirst().orElseThrow();
    others.remove(idle);
    List<NodeId> without = new ArrayList<>(view);
    without.remove(newcomer);
    Scheduler arbiter = new Scheduler(arbiterId, SchedulerConfig.defaults());
    arbiter.onViewChanged(0, without);
    arbiter.onMessage(1, idle, new Have(key, 100, DIGEST));
    // The newcomer installed the view first: its hello and its claim arrive before this node's view.
    arbiter.onMessage(2, newcomer, load(2));
    arbiter.onMessage(3, newcomer, new Have(key, 100, DIGEST));
    arbiter.onViewChanged(4, view);
    FetchFrom answer = fetchFrom(arbiter.onMessage(5_000, others.get(1), new Want(1, key, "http://deb.example/r.deb")));
    assertEquals(List.of(idle, newcomer), answer.holders());
  }

  private static FetchFrom fetchFrom(List<Action> actions) {
    for (Action a : actions) {
      if (a instanceof Action.Send s && s.message() instanceof FetchFrom f) {
        return f;
      }
    }
    throw new AssertionError("no FetchFrom in " + actions);
  }

}
