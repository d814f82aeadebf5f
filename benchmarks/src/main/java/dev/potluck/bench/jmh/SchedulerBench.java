package dev.potluck.bench.jmh;

import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import dev.potluck.scheduler.Action;
import dev.potluck.scheduler.Scheduler;
import dev.potluck.scheduler.SchedulerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The scheduler's decision path: one real {@link Scheduler}, the arbiter, in a view of {@code members}
 * nodes, fed the events {@code Swarm} feeds it. Each operation is one event (two where the state must be
 * put back so that every operation is the same decision); the clock advances 1 ms per operation, so
 * the arbiter's recent-assignment window holds about 3,000 entries, as at 1,000 decisions a second.
 *
 * <ul>
 *   <li>{@code request}: a local client misses; the requester picks the key's arbiter (rendezvous
 *       hashing over the view) and sends Want; then gives up, so pending requests do not pile up.
 *   <li>{@code miss}: the arbiter gets Want for an object nobody has and answers Grant; then the
 *       fetcher's Abort hands the lease back (nobody waits, so the key is forgotten).
 *   <li>{@code claim}: Want for an object being fetched while every other member streams it (patch
 *       Tuesday); the arbiter picks a relay with a free upload slot and answers StreamFrom.
 *   <li>{@code holders}: Want for an object every other member holds; the arbiter ranks the holders
 *       by load and answers FetchFrom; then the requester's Have makes it a holder again.
 *   <li>{@code load}: one member's Load gossip.
 *   <li>{@code view}: a member leaves or comes back, while this node holds {@value #HELD} objects
 *       and arbitrates its share of them: keys whose arbiter moved are re-announced.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(1)
public class SchedulerBench {

  /** Objects the node holds in the {@code view} case: a small apt cache. */
  static final int HELD = 1_000;
  private static final int KEYS = 4_096;

  @Param({"8", "100", "1000"})
  public int members;

  private List<NodeId> view;
  /** The view without {@link #leaver}. */
  private List<NodeId> smallerView;
  private NodeId leaver;
  private NodeId[] others;
  private ObjectKey[] keys;
  private Message[] loads;
  private ObjectKey claimed;
  private ObjectKey held;
  private Sha256 heldSha256;
  private Scheduler arbiter;
  private Scheduler withHoldings;
  private long now = 1_000_000;
  private int next;
  private long requestId;
  private boolean viewSmall;

  @Setup
  public void setUp(BenchmarkParams params) {
    // Only the state the running benchmark uses: filling a 1,000-member claim takes seconds.
    String scenario = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
    Random random = new Random(7);
    view = Messages.nodes(random, members);
    NodeId self = view.get(0);
    others = view.subList(1, members).toArray(NodeId[]::new);
    leaver = others[others.length - 1];
    smallerView = new ArrayList<>(view);
    smallerView.remove(leaver);
    keys = new ObjectKey[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = Messages.key(random);
    }
    loads = new Message[others.length];
    for (int i = 0; i < others.length; i++) {
      loads[i] = new Message.Load(i % 4, 1_000_000L * (i % 4), i % 2, 1L << 30, 7879, "0.1.0-SNAPSHOT");
    }

    arbiter = new Scheduler(self, SchedulerConfig.defaults());
    arbiter.onViewChanged(now, view);
    for (int i = 0; i < others.length; i++) {
      arbiter.onMessage(now, others[i], loads[i]);
    }
    heldSha256 = Sha256.of(new byte[] {1, 2, 3});
    // Each path measured must answer what its name says.
    switch (scenario) {
      case "miss" -> {
        expect(arbiter.onMessage(now, others[0], want(keys[0])), Message.Grant.class, "miss");
        arbiter.onMessage(now, others[0], new Message.Abort(keys[0], "benchmark"));
      }
      case "claim" -> {
        // The first member fetches; every other member asks once and streams.
        claimed = Messages.key(random);
        expect(arbiter.onMessage(now, others[0], want(claimed)), Message.Grant.class, "the first Want");
        for (int i = 1; i < others.length; i++) {
          expect(arbiter.onMessage(now, others[i], want(claimed)), Message.StreamFrom.class, "claim");
        }
      }
      case "holders" -> {
        // Every other member holds it.
        held = Messages.key(random);
        for (NodeId node : others) {
          arbiter.onMessage(now, node, new Message.Have(held, 1 << 20, heldSha256));
        }
        expect(arbiter.onMessage(now, others[0], want(held)), Message.FetchFrom.class, "holders");
        arbiter.onMessage(now, others[0], new Message.Have(held, 1 << 20, heldSha256));
      }
      case "view" -> {
        withHoldings = new Scheduler(self, SchedulerConfig.defaults());
        withHoldings.onViewChanged(now, view);
        for (int i = 0; i < HELD; i++) {
          withHoldings.onLocalHave(now, keys[i], Messages.TYPICAL_URL, 1 << 20, heldSha256);
        }
      }
      case "request", "load" -> {
        // The view and the members' gossiped loads are all they need.
      }
      default -> throw new IllegalStateException("no setup for the scenario " + scenario);
    }
  }

  private Message.Want want(ObjectKey key) {
    return new Message.Want(++requestId, key, Messages.TYPICAL_URL);
  }

  private static void expect(List<Action> actions, Class<? extends Message> answer, String path) {
    boolean found = actions.stream()
        .anyMatch(a -> a instanceof Action.Send s && answer.isInstance(s.message()));
    if (!found) {
      throw new IllegalStateException(path + ": expected the arbiter to send " + answer.getSimpleName()
          + ", it did " + actions);
    }
  }

  private NodeId nextOther() {
    next = next + 1 < others.length ? next + 1 : 0;
    return others[next];
  }

  private ObjectKey nextKey() {
    return keys[(int) (requestId & (KEYS - 1))];
  }

  @Benchmark
  public void request(Blackhole bh) {
    now++;
    long id = ++requestId;
    ObjectKey key = nextKey();
    bh.consume(arbiter.onRequest(now, id, key, Messages.TYPICAL_URL));
    bh.consume(arbiter.onLocalGaveUp(now, id, key));
  }

  @Benchmark
  public void miss(Blackhole bh) {
    now++;
    NodeId from = nextOther();
    Message.Want w = want(nextKey());
    bh.consume(arbiter.onMessage(now, from, w));
    bh.consume(arbiter.onMessage(now, from, new Message.Abort(w.key(), "benchmark")));
  }

  @Benchmark
  public List<Action> claim() {
    now++;
    // others[0] is the fetcher; everyone else asks in turn (a node that asks again is re-placed).
    NodeId from = nextOther();
    if (from.equals(others[0])) {
      from = nextOther();
    }
    return arbiter.onMessage(now, from, want(claimed));
  }

  @Benchmark
  public void holders(Blackhole bh) {
    now++;
    NodeId from = nextOther();
    bh.consume(arbiter.onMessage(now, from, want(held)));
    bh.consume(arbiter.onMessage(now, from, new Message.Have(held, 1 << 20, heldSha256)));
  }

  @Benchmark
  public List<Action> load() {
    now++;
    int i = next;
    nextOther();
    return arbiter.onMessage(now, others[i], loads[i]);
  }

  @Benchmark
  public List<Action> view() {
    now++;
    viewSmall = !viewSmall;
    return withHoldings.onViewChanged(now, viewSmall ? smallerView : view);
  }
}
