package dev.potluck.bench.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Data moving at flow level over links of fixed capacity, shared max-min fairly. Each {@link Flow} takes
 * bytes of one object from a source {@link Holding} to a target holding over a few links (the WAN and a
 * host's port, or one host's upload port and another's download port). Rates are recomputed by
 * progressive filling whenever a flow starts or ends, never per packet or per time step, so a run costs
 * in proportion to its flow events.
 *
 * <p>Streams relay on the fly: a flow whose source is still receiving the object can never get ahead of
 * it. Once it has caught up it <em>follows</em> the flow feeding its source: while filling, it freezes no
 * later than that flow, at the same rate (so down a relay chain too), which is max-min fairness under
 * the constraint "a relay is no faster than its source". A source that receives nothing holds its
 * caught-up readers at zero. A flow that will catch up with its source is reported as an event, so rates
 * are recomputed at that instant too.
 *
 * <p>Times are seconds (doubles), rates bytes per second. Not thread-safe.
 */
final class FlowNetwork {

  /** How close (in bytes) a flow must be to its source's bytes to count as caught up. */
  static final double CAUGHT_UP_BYTES = 1.0;

  /** A link of fixed capacity in one direction (the WAN's downlink, one host's upload or download port). */
  static final class Link {
    final String name;
    final double capacity;
    double remaining;
    int unfrozen;
    int heapIndex = -1;
    final List<Flow> through = new ArrayList<>();

    Link(String name, double bytesPerSecond) {
      if (!(bytesPerSecond > 0)) {
        throw new IllegalArgumentException("link " + name + " needs a positive rate, got " + bytesPerSecond);
      }
      this.name = name;
      this.capacity = bytesPerSecond;
    }

    double share() {
      return Math.max(0, remaining) / unfrozen;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** What one host has of one object: all of it, or the bytes its inbound flow has brought so far. */
  static final class Holding {
    final long size;
    /** Bytes held when no flow feeds this holding; while one does, its position at {@link Flow#since}. */
    double bytes;
    boolean whole;
    Flow inbound;

    Holding(long size, boolean whole) {
      this.size = size;
      this.whole = whole;
      this.bytes = whole ? size : 0;
    }

    /** Contiguous bytes held at time {@code t} (not before the last recompute). */
    double bytesAt(double t) {
      if (whole) {
        return size;
      }
      return inbound == null ? bytes : inbound.positionAt(t);
    }

    /** How fast this holding grows now. */
    double rate() {
      return inbound == null ? 0 : inbound.rate;
    }
  }

  /** Bytes of one object moving from {@code source} to {@code target}. */
  static final class Flow {
    final Holding source;
    final Holding target;
    final Link[] links;
    final double startBytes;
    /** Whatever the network's user attaches to the flow. */
    Object tag;
    double rate;
    /** 0 for a caught-up reader of a source that receives nothing; otherwise unbounded. */
    double cap = Double.POSITIVE_INFINITY;
    /** Caught-up flows reading what this flow brings: frozen with it, at its rate. */
    final List<Flow> followers = new ArrayList<>(0);
    double since;
    boolean frozen;
    boolean active = true;
    private int index;

    Flow(Holding source, Holding target, Link[] links, double since) {
      this.source = source;
      this.target = target;
      this.links = links.clone();
      this.since = since;
      this.startBytes = target.bytes;
    }

    /**
     * The target's bytes at {@code t}, never past the object's end. Between recomputes rates are fixed, a
     * relay that has caught up is capped at its source's rate, and one closing in makes an event at the
     * instant it catches up; so this never runs ahead of the source by more than that instant's rounding,
     * which {@link #recompute} clamps. (Clamping here would walk the relay chain at every call.)
     */
    double positionAt(double t) {
      return Math.min(target.bytes + rate * (t - since), target.size);
    }

    boolean caughtUp(double t) {
      return !source.whole && source.bytesAt(t) - positionAt(t) <= CAUGHT_UP_BYTES;
    }
  }

  private final List<Link> links = new ArrayList<>();
  private final List<Flow> flows = new ArrayList<>();
  private final Link[] heap;
  private int heapSize;
  private int unfrozenFlows;
  private final List<Flow> capped = new ArrayList<>();
  private boolean dirty;
  private long recomputations;

  FlowNetwork(int maxLinks) {
    heap = new Link[maxLinks];
  }

  Link link(String name, double bytesPerSecond) {
    if (links.size() == heap.length) {
      throw new IllegalStateException("more than " + heap.length + " links");
    }
    Link link = new Link(name, bytesPerSecond);
    links.add(link);
    return link;
  }

  /** Starts moving {@code target}'s missing bytes from {@code source} at {@code now}; rates change at the next recompute. */
  Flow start(double now, Holding source, Holding target, Link... path) {
    if (target.inbound != null) {
      throw new IllegalStateException("a holding is fed by one flow at a time");
    }
    if (target.whole) {
      throw new IllegalStateException("the target already has the whole object");
    }
    Flow flow = new Flow(source, target, path, now);
    flow.index = flows.size();
    flows.add(flow);
    target.inbound = flow;
    dirty = true;
    return flow;
  }

  /** Stops {@code flow} at {@code now}: its target keeps the bytes it has. */
  void stop(double now, Flow flow) {
    if (!flow.active) {
      return;
    }
    double p = flow.positionAt(now);
    flow.target.bytes = flow.source.whole ? p : Math.min(p, flow.source.bytesAt(now));
    detach(flow);
  }

  /** Bytes a flow has moved so far. */
  double moved(Flow flow, double now) {
    return (flow.active ? flow.positionAt(now) : flow.target.bytes) - flow.startBytes;
  }

  boolean dirty() {
    return dirty;
  }

  /** Rates must be recomputed before time moves on (a flow caught up with its source, say). */
  void markDirty() {
    dirty = true;
  }

  List<Flow> flows() {
    return flows;
  }

  long recomputations() {
    return recomputations;
  }

  /**
   * The flows that have delivered their whole object by {@code now}, removed from the network with their
   * targets marked whole, sources before the relays fed by them.
   */
  List<Flow> finishAt(double now) {
    List<Flow> done = new ArrayList<>();
    boolean more = true;
    while (more) {
      more = false;
      for (int i = 0; i < flows.size(); i++) {
        Flow f = flows.get(i);
        if (f.source.whole && f.positionAt(now) >= f.target.size - CAUGHT_UP_BYTES) {
          f.target.bytes = f.target.size;
          f.target.whole = true;
          detach(f);
          done.add(f);
          more = true;
          i--;
        }
      }
    }
    return done;
  }

  /** Recomputes every flow's rate, max-min fair under link capacities and relay caps, as of {@code now}. */
  void recompute(double now) {
    recomputations++;
    dirty = false;
    // Positions first, all against the old rates, then the new base: a relay's position reads its source's.
    double[] positions = new double[flows.size()];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = flows.get(i).positionAt(now);
    }
    for (int i = 0; i < positions.length; i++) {
      flows.get(i).target.bytes = positions[i];
      flows.get(i).since = now;
    }
    // No relay ahead of its source (rounding of a catch-up instant); a lowered source may lower its readers.
    boolean lowered = true;
    for (int pass = 0; lowered && pass <= flows.size(); pass++) {
      lowered = false;
      for (Flow f : flows) {
        if (!f.source.whole && f.target.bytes > f.source.bytesAt(now)) {
          f.target.bytes = f.source.bytesAt(now);
          lowered = true;
        }
      }
    }
    for (Flow f : flows) {
      f.followers.clear();
    }
    for (Flow f : flows) {
      f.cap = Double.POSITIVE_INFINITY;
      if (f.caughtUp(now)) {
        if (f.source.inbound == null) {
          f.cap = 0;
        } else {
          f.source.inbound.followers.add(f);
        }
      }
    }
    fill();
  }

  /**
   * Seconds from {@code now} (the last recompute) until the next flow finishes or catches up with its
   * source; infinite if none will.
   */
  double nextEventIn(double now) {
    double next = Double.POSITIVE_INFINITY;
    for (Flow f : flows) {
      if (f.rate <= 0) {
        continue;
      }
      double position = f.positionAt(now);
      next = Math.min(next, (f.target.size - position) / f.rate);
      if (!f.source.whole) {
        double gap = f.source.bytesAt(now) - position;
        double closing = f.rate - f.source.rate();
        if (gap > CAUGHT_UP_BYTES && closing > 0) {
          next = Math.min(next, gap / closing);
        }
      }
    }
    return Math.max(0, next);
  }

  // ---- progressive filling

  private void fill() {
    for (Link l : links) {
      l.remaining = l.capacity;
      l.unfrozen = 0;
      l.through.clear();
    }
    capped.clear();
    for (Flow f : flows) {
      f.frozen = false;
      f.rate = 0;
      for (Link l : f.links) {
        l.unfrozen++;
        l.through.add(f);
      }
      if (f.cap != Double.POSITIVE_INFINITY) {
        capped.add(f);
      }
    }
    capped.sort(Comparator.comparingDouble(f -> f.cap));
    heapSize = 0;
    for (Link l : links) {
      l.heapIndex = -1;
      if (l.unfrozen > 0) {
        push(l);
      }
    }
    unfrozenFlows = flows.size();
    int nextCapped = 0;
    while (unfrozenFlows > 0) {
      while (nextCapped < capped.size() && capped.get(nextCapped).frozen) {
        nextCapped++;
      }
      Link bottleneck = heapSize == 0 ? null : heap[0];
      double share = bottleneck == null ? Double.POSITIVE_INFINITY : bottleneck.share();
      if (nextCapped < capped.size() && capped.get(nextCapped).cap <= share) {
        freeze(capped.get(nextCapped), capped.get(nextCapped).cap);
        continue;
      }
      if (bottleneck == null) {
        break; // only flows without links are left: they would be unbounded, and none is ever started
      }
      for (Flow f : bottleneck.through) {
        if (!f.frozen) {
          freeze(f, share);
        }
      }
    }
  }

  private void freeze(Flow f, double rate) {
    f.rate = Math.max(0, rate);
    f.frozen = true;
    unfrozenFlows--;
    for (Link l : f.links) {
      l.remaining -= f.rate;
      l.unfrozen--;
      if (l.unfrozen == 0) {
        removeFromHeap(l);
      } else {
        siftDown(l.heapIndex);
        siftUp(l.heapIndex);
      }
    }
    // Readers caught up with this flow's target rise no further than it does.
    for (Flow follower : f.followers) {
      if (!follower.frozen) {
        freeze(follower, f.rate);
      }
    }
  }

  private void detach(Flow flow) {
    flow.active = false;
    int last = flows.size() - 1;
    Flow moved = flows.get(last);
    flows.set(flow.index, moved);
    moved.index = flow.index;
    flows.remove(last);
    if (flow.target.inbound == flow) {
      flow.target.inbound = null;
    }
    flow.rate = 0;
    dirty = true;
  }

  // ---- an indexed binary min-heap of links by fair share

  private void push(Link l) {
    heap[heapSize] = l;
    l.heapIndex = heapSize++;
    siftUp(l.heapIndex);
  }

  private void removeFromHeap(Link l) {
    int i = l.heapIndex;
    if (i < 0) {
      return;
    }
    Link last = heap[--heapSize];
    heap[heapSize] = null;
    l.heapIndex = -1;
    if (i < heapSize) {
      heap[i] = last;
      last.heapIndex = i;
      siftDown(i);
      siftUp(last.heapIndex);
    }
  }

  private void siftUp(int i) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (heap[parent].share() <= heap[i].share()) {
        return;
      }
      swap(i, parent);
      i = parent;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int left = 2 * i + 1;
      if (left >= heapSize) {
        return;
      }
      int smallest = left + 1 < heapSize && heap[left + 1].share() < heap[left].share() ? left + 1 : left;
      if (heap[i].share() <= heap[smallest].share()) {
        return;
      }
      swap(i, smallest);
      i = smallest;
    }
  }

  private void swap(int a, int b) {
    Link t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
    heap[a].heapIndex = a;
    heap[b].heapIndex = b;
  }
}
