package dev.potluck.node.metrics;

import dev.potluck.node.cache.CacheCounters;
import dev.potluck.node.cache.Disposition;
import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.http.ClientFront;
import dev.potluck.node.http.PeerFront;
import dev.potluck.node.store.FileStore;
import dev.potluck.node.swarm.Swarm;
import dev.potluck.node.Version;
import dev.potluck.node.trust.Authority;
import dev.potluck.scheduler.RejectReason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The node's metrics in Prometheus form, on a registry of its own (never a global one). Counters and
 * gauges read the totals the node's parts already keep ({@link CacheCounters}, the store's stats, the
 * fronts' byte counts, the swarm's view) when scraped, so nothing is counted twice and the hot path
 * pays nothing for them; only durations are pushed, through {@link Timings}. Counters hold their
 * sources weakly, so this object keeps the suppliers it hands them.
 *
 * <p>Beside the node's own meters: {@code potluck_build_info} (always 1; its labels name the version,
 * commit and Java runtime, so a dashboard can tell the nodes of a mixed cluster apart) and the JVM and
 * process meters Micrometer ships (memory pools, GC pauses, threads, classes, CPU, uptime, open files).
 *
 * <p>Scrape on the node's context: the totals it reads are confined to it. {@link #close} when the node
 * stops: the GC meters listen to the JVM's GC notifications until then.
 */
public final class NodeMetrics implements Timings, AutoCloseable {

  /** What the exposition is served as. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer schedulerCalls;
  private final Timer firstByteUpstream;
  private final Timer firstBytePeer;
  private final Supplier<PeerFront> peer;
  private final Supplier<Swarm> swarm;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  /**
   * @param peers the peer listener, or null when the node serves no peers
   * @param swarm the node's part in its cluster, or null while it has none
   */
  public NodeMetrics(LocalCache cache, FileStore store, ClientFront clients, PeerFront peers, Supplier<Swarm> swarm) {
    MeterRegistry r = registry;
    bindBuildAndRuntime(r);
    CacheCounters counters = cache.counters();
    counter(r, "potluck.upstream.bytes", "bytes", "Body bytes received from upstream", counters,
        CacheCounters::upstreamBytes);
    counter(r, "potluck.upstream.requests", null, "Requests sent upstream (resumptions included)", counters,
        CacheCounters::upstreamRequests);
    counter(r, "potluck.upstream.failures", null, "Upstream fetches that failed", counters,
        CacheCounters::upstreamFailures);
    counter(r, "potluck.peer.received.bytes", "bytes", "Body bytes received from other nodes", counters,
        CacheCounters::peerBytes);
    counter(r, "potluck.peer.requests", null, "Requests sent to other nodes' peer API", counters,
        CacheCounters::peerRequests);
    FunctionCounter.builder("potluck.served.bytes", clients, ClientFront::servedBytes).baseUnit("bytes")
        .description("Object body bytes sent, to local clients or to other nodes").tag("to", "client").register(r);
    this.peer = () -> peers;
    this.swarm = swarm;
    FunctionCounter.builder("potluck.served.bytes", peer, p -> p.get() == null ? 0 : p.get().uploadedBytes())
        .baseUnit("bytes").description("Object body bytes sent, to local clients or to other nodes").tag("to", "peer")
        .register(r);
    for (Disposition d : Disposition.values()) {
      FunctionCounter.builder("potluck.answers", counters, c -> c.answers(d))
          .description("Requests answered, by how (X-Potluck-Cache)").tag("disposition", d.header()).register(r);
    }
    counter(r, "potluck.verification.failures", null, "Bodies discarded: not what their authority or announcement says",
        counters, CacheCounters::verificationFailures);
    for (Authority a : Authority.values()) {
      FunctionCounter.builder("potluck.verified", counters, c -> c.verified(a))
          .description("Objects committed after a check, by what vouched for them").tag("authority", a.label())
          .register(r);
    }

    gauge(r, "potluck.store.objects", null, "Complete objects in the store", store, s -> s.stats().objects());
    gauge(r, "potluck.store.bytes", "bytes", "Bytes of complete objects in the store", store,
        s -> s.stats().usedBytes());
    gauge(r, "potluck.store.quota", "bytes", "The store's quota", store, FileStore::quota);
    counter(r, "potluck.store.evictions", null, "Objects evicted to keep the quota", store, s -> s.stats().evictions());

    gauge(r, "potluck.active.fetches", null, "Objects being fetched now (from upstream or peers)", cache,
        LocalCache::activeFetches);
    gauge(r, "potluck.active.uploads", null, "Bodies being sent to other nodes now", peer,
        p -> p.get() == null ? 0 : p.get().activeUploads());

    gauge(r, "potluck.cluster.members", null, "Members of the cluster view, this node included (0 alone)", swarm,
        s -> s.get() == null ? 0 : s.get().members().size());
    gauge(r, "potluck.blocklisted.peers", null, "Members never asked again: they served wrong bytes", swarm,
        s -> s.get() == null ? 0 : s.get().blocklisted().size());
    counter(r, "potluck.scheduler.decisions", null, "Requests this node decided as the key's arbiter", swarm,
        s -> s.get() == null ? 0 : s.get().decisions());
    FunctionCounter.builder("potluck.cluster.messages", swarm, s -> s.get() == null ? 0 : s.get().messagesSent())
        .description("Cluster control messages").tag("direction", "sent").register(r);
    FunctionCounter.builder("potluck.cluster.messages", swarm, s -> s.get() == null ? 0 : s.get().messagesReceived())
        .description("Cluster control messages").tag("direction", "received").register(r);

    for (RejectReason reason : RejectReason.values()) {
      FunctionCounter.builder("potluck.rejected.messages", swarm,
              s -> s.get() == null ? 0 : s.get().rejected().getOrDefault(reason, 0L))
          .description("Cluster messages the scheduler refused: answers from a member that is not the key's"
              + " arbiter, completion reports from one without the lease, claims contradicting a known digest")
          .tag("reason", reason.label()).register(r);
    }

    schedulerCalls = Timer.builder("potluck.scheduler.call")
        .description("Time spent in each call into the scheduler").register(r);
    firstByteUpstream = firstByte(r, "upstream");
    firstBytePeer = firstByte(r, "peer");
  }

  /** The build's identity as labels of a gauge that is always 1, the Prometheus custom for it. */
  private void bindBuildAndRuntime(MeterRegistry r) {
    Gauge.builder("potluck.build.info", () -> 1)
        .description("This node's build: version, commit and Java runtime (always 1)")
        .tag("version", Version.current())
        .tag("commit", Version.commit())
        .tag("java", System.getProperty("java.runtime.version"))
        .register(r);
    new JvmMemoryMetrics().bindTo(r);
    gc.bindTo(r);
    new JvmThreadMetrics().bindTo(r);
    new ClassLoaderMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    new UptimeMetrics().bindTo(r);
    new FileDescriptorMetrics().bindTo(r);
  }

  @Override
  public void close() {
    gc.close();
  }

  /** The exposition in Prometheus text format. Call on the node's context. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void schedulerCall(long nanos) {
    schedulerCalls.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void firstByte(boolean fromPeer, long nanos) {
    (fromPeer ? firstBytePeer : firstByteUpstream).record(nanos, TimeUnit.NANOSECONDS);
  }

  private static Timer firstByte(MeterRegistry r, String source) {
    return Timer.builder("potluck.first.byte")
        .description("From a miss to the first response of the source chosen for it (negotiation included)")
        .tag("source", source).register(r);
  }

  private static <T> void counter(MeterRegistry r, String name, String unit, String help, T source,
      ToDoubleFunction<T> read) {
    FunctionCounter.builder(name, source, read).baseUnit(unit).description(help).register(r);
  }

  private static <T> void gauge(MeterRegistry r, String name, String unit, String help, T source,
      ToDoubleFunction<T> read) {
    Gauge.builder(name, source, read).baseUnit(unit).description(help).strongReference(true).register(r);
  }
}
