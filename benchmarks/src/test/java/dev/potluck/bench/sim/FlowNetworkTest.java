package dev.potluck.bench.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.bench.sim.FlowNetwork.Flow;
import dev.potluck.bench.sim.FlowNetwork.Holding;
import dev.potluck.bench.sim.FlowNetwork.Link;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowNetworkTest {

  private static final double EPS = 1e-6;

  @Test
  void twoFlows_shareOneLinkEqually_andTheSurvivorTakesItAll() {
    FlowNetwork net = new FlowNetwork(4);
    Link wan = net.link("wan", 100);
    Link down = net.link("down", 1_000);
    Holding origin = new Holding(10_000, true);
    Flow small = net.start(0, origin, new Holding(100, false), wan, down);
    Flow big = net.start(0, origin, new Holding(1_000, false), wan, down);
    net.recompute(0);
    assertEquals(50, small.rate, EPS);
    assertEquals(50, big.rate, EPS);
    assertEquals(2.0, net.nextEventIn(0), EPS); // 100 bytes at 50 B/s

    assertEquals(List.of(small), net.finishAt(2.0));
    assertTrue(small.target.whole);
    net.recompute(2.0);
    assertEquals(100, big.rate, EPS);
    assertEquals(100, net.moved(big, 2.0), EPS);
    assertEquals(9.0, net.nextEventIn(2.0), EPS); // 900 bytes left at 100 B/s
  }

  @Test
  void maxMin_aFlowLimitedElsewhereLeavesItsShareToTheOthers() {
    FlowNetwork net = new FlowNetwork(4);
    Link shared = net.link("shared", 100);
    Link slow = net.link("slow", 30);
    Link fast = net.link("fast", 1_000);
    Holding origin = new Holding(1_000_000, true);
    Flow limited = net.start(0, origin, new Holding(1_000, false), shared, slow);
    Flow free = net.start(0, origin, new Holding(1_000, false), shared, fast);
    net.recompute(0);
    assertEquals(30, limited.rate, EPS);
    assertEquals(70, free.rate, EPS);
  }

  @Test
  void uploadPort_isSharedByAHostsStreams() {
    FlowNetwork net = new FlowNetwork(8);
    Link up = net.link("h0-up", 90);
    Holding held = new Holding(1_000, true);
    Flow a = net.start(0, held, new Holding(1_000, false), up, net.link("h1-down", 1_000));
    Flow b = net.start(0, held, new Holding(1_000, false), up, net.link("h2-down", 1_000));
    Flow c = net.start(0, held, new Holding(1_000, false), up, net.link("h3-down", 20));
    net.recompute(0);
    assertEquals(20, c.rate, EPS);
    assertEquals(35, a.rate, EPS);
    assertEquals(35, b.rate, EPS);
  }

  @Test
  void relay_cannotOutrunItsSource() {
    FlowNetwork net = new FlowNetwork(4);
    Link wan = net.link("wan", 10);
    Link lan = net.link("lan", 1_000);
    Holding origin = new Holding(100, true);
    Holding fetcher = new Holding(100, false);
    Holding waiter = new Holding(100, false);
    Flow fetch = net.start(0, origin, fetcher, wan);
    Flow relay = net.start(0, fetcher, waiter, lan);
    net.recompute(0);
    assertEquals(10, fetch.rate, EPS);
    assertEquals(10, relay.rate, EPS); // caught up from the start: capped at its source's rate
    for (double t = 0; t <= 10; t += 0.5) {
      assertTrue(relay.positionAt(t) <= fetch.positionAt(t) + EPS, "relay ahead of its source at " + t);
    }
    assertEquals(10.0, net.nextEventIn(0), EPS);
    List<Flow> done = net.finishAt(10.0);
    assertEquals(List.of(fetch, relay), done); // the source first, then the relay fed by it
  }

  @Test
  void relay_behindItsSource_catchesUpThenFollowsIt() {
    FlowNetwork net = new FlowNetwork(4);
    Link wan = net.link("wan", 10);
    Link lan = net.link("lan", 30);
    Holding origin = new Holding(1_000, true);
    Holding fetcher = new Holding(1_000, false);
    Holding waiter = new Holding(1_000, false);
    Flow fetch = net.start(0, origin, fetcher, wan);
    net.recompute(0);
    net.finishAt(4.0); // nothing finishes: the fetcher has 40 bytes
    Flow relay = net.start(4.0, fetcher, waiter, lan);
    net.recompute(4.0);
    assertEquals(30, relay.rate, EPS);
    // 40 bytes behind, closing at 20 B/s: caught up 2 s later.
    assertEquals(2.0, net.nextEventIn(4.0), EPS);
    assertEquals(60, relay.positionAt(6.0), EPS);
    net.recompute(6.0);
    assertEquals(10, relay.rate, EPS);
    assertEquals(relay.positionAt(50.0), fetch.positionAt(50.0), EPS);
  }

  @Test
  void relay_ofAStalledSource_waits() {
    FlowNetwork net = new FlowNetwork(4);
    Link lan = net.link("lan", 100);
    Holding partial = new Holding(1_000, false);
    partial.bytes = 200; // what a source kept when its own feed stopped
    Flow relay = net.start(0, partial, new Holding(1_000, false), lan);
    net.recompute(0);
    assertEquals(100, relay.rate, EPS);
    assertEquals(2.0, net.nextEventIn(0), EPS); // catches up with the 200 bytes there are
    net.recompute(2.0);
    assertEquals(0, relay.rate, EPS);
    assertEquals(200, relay.positionAt(100.0), EPS);
    assertEquals(Double.POSITIVE_INFINITY, net.nextEventIn(2.0));
  }

  @Test
  void stop_keepsTheBytesMoved_andANewFlowResumesFromThem() {
    FlowNetwork net = new FlowNetwork(4);
    Link wan = net.link("wan", 10);
    Holding origin = new Holding(100, true);
    Holding target = new Holding(100, false);
    Flow first = net.start(0, origin, target, wan);
    net.recompute(0);
    net.stop(3.0, first);
    assertEquals(30, target.bytes, EPS);
    assertEquals(30, net.moved(first, 3.0), EPS);
    Flow second = net.start(3.0, origin, target, wan);
    assertSame(second, target.inbound);
    net.recompute(3.0);
    assertEquals(7.0, net.nextEventIn(3.0), EPS);
    assertEquals(List.of(second), net.finishAt(10.0));
    assertEquals(70, net.moved(second, 10.0), EPS);
  }

  @Test
  void start_onAFedOrWholeHolding_isRefused() {
    FlowNetwork net = new FlowNetwork(2);
    Link wan = net.link("wan", 10);
    Holding origin = new Holding(100, true);
    Holding target = new Holding(100, false);
    net.start(0, origin, target, wan);
    assertThrows(IllegalStateException.class, () -> net.start(0, origin, target, wan));
    assertThrows(IllegalStateException.class, () -> net.start(0, target, origin, wan));
    assertThrows(IllegalArgumentException.class, () -> net.link("bad", 0));
  }
}
