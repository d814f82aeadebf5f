package dev.potluck.bench;

import dev.potluck.bench.harness.JdkHttpGet;
import dev.potluck.bench.harness.Origin;
import dev.potluck.bench.harness.RawHttpClient;
import dev.potluck.bench.harness.Stats;
import dev.potluck.bench.harness.Table;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Part 1: a cache miss through the node against fetching the same kind of object directly from the
 * origin over the throttled "WAN" (target: miss ≤ 1.05 × direct), plus a hit of the object just missed.
 *
 * <p>Every round uses never-requested paths, so each node request is a genuine miss. Direct and miss
 * alternate which goes first from round to round, so a drift in the machine's state does not favour
 * one side. Both clients are {@code java.net.http} clients with warm connections (the warm-up rounds
 * open them and warm the JIT of the node and of this process).
 */
final class MissLatency {

  static final double TARGET = 1.05;
  static final java.time.Duration COMMIT_TIMEOUT = java.time.Duration.ofSeconds(30);

  private final BenchContext context;

  MissLatency(BenchContext context) {
    this.context = context;
  }

  Map<String, Object> run() throws IOException, InterruptedException, TimeoutException {
    BenchOptions o = context.options();
    Origin origin = context.origin();
    Map<String, Object> result = new LinkedHashMap<>();
    try (BenchContext.StartedNode started = context.startNode("miss")) {
      JdkHttpGet direct = JdkHttpGet.direct(context.requestTimeout());
      JdkHttpGet proxied = JdkHttpGet.viaProxy(started.node().address(), context.requestTimeout());
      for (int w = 0; w < o.warmupRounds; w++) {
        for (long size : o.sizes) {
          long warmSize = Math.min(size, 4L << 20);
          fetch(direct, Origin.path(true, warmSize, "warm" + w + "-" + size + "-direct.deb"), warmSize, null);
          String path = Origin.path(true, warmSize, "warm" + w + "-" + size + "-node.deb");
          fetch(proxied, path, warmSize, "miss");
          started.node().awaitNoActiveFetches(COMMIT_TIMEOUT);
          fetch(proxied, path, warmSize, "hit");
        }
      }
      List<Map<String, Object>> perSize = new ArrayList<>();
      Table table = new Table("size", "ideal ms", "direct ms (min-max)", "miss ms (min-max)", "miss/direct",
          "paired ratio", "ttfb d/m ms", "hit ms", "hit/direct", "raw hit ms (ttfb)");
      for (long size : o.sizes) {
        List<Double> directMs = new ArrayList<>();
        List<Double> missMs = new ArrayList<>();
        List<Double> hitMs = new ArrayList<>();
        List<Double> rawHitMs = new ArrayList<>();
        List<Double> rawHitHeadMs = new ArrayList<>();
        List<Double> paired = new ArrayList<>();
        List<Double> directHeadMs = new ArrayList<>();
        List<Double> missHeadMs = new ArrayList<>();
        List<Double> commitWaitMs = new ArrayList<>();
        for (int r = 0; r < o.rounds; r++) {
          String directPath = Origin.path(true, size, "r" + r + "-direct.deb");
          String nodePath = Origin.path(true, size, "r" + r + "-node.deb");
          JdkHttpGet.Result d;
          JdkHttpGet.Result m;
          if (r % 2 == 0) {
            d = fetch(direct, directPath, size, null);
            m = fetch(proxied, nodePath, size, "miss");
          } else {
            m = fetch(proxied, nodePath, size, "miss");
            d = fetch(direct, directPath, size, null);
          }
          // The object is committed to the store a little after its last byte reaches the client; until then
          // a request joins the fetch instead of hitting. Wait for the commit so the hit is a hit.
          commitWaitMs.add(started.node().awaitNoActiveFetches(COMMIT_TIMEOUT));
          JdkHttpGet.Result h = fetch(proxied, nodePath, size, "hit");
          long[] raw = rawHit(started, nodePath, size);
          rawHitHeadMs.add(raw[0] / 1e6);
          rawHitMs.add(raw[1] / 1e6);
          if (origin.requests(nodePath) != 1) {
            throw new IllegalStateException(nodePath + " was requested upstream " + origin.requests(nodePath)
                + " times for one miss and one hit");
          }
          directMs.add(d.totalNanos() / 1e6);
          missMs.add(m.totalNanos() / 1e6);
          hitMs.add(h.totalNanos() / 1e6);
          directHeadMs.add(d.headNanos() / 1e6);
          missHeadMs.add(m.headNanos() / 1e6);
          paired.add((double) m.totalNanos() / d.totalNanos());
        }
        Stats ds = Stats.of(directMs);
        Stats ms = Stats.of(missMs);
        Stats hs = Stats.of(hitMs);
        Stats ps = Stats.of(paired);
        Stats dh = Stats.of(directHeadMs);
        Stats mh = Stats.of(missHeadMs);
        double ratio = ms.median() / ds.median();
        double idealMs = o.wanMbit > 0 ? size * 8 / (o.wanMbit * 1e6) * 1e3 : Double.NaN;
        table.row(BenchOptions.human(size), Double.isNaN(idealMs) ? "-" : f1(idealMs),
            f1(ds.median()) + " (" + f1(ds.min()) + "-" + f1(ds.max()) + ")",
            f1(ms.median()) + " (" + f1(ms.min()) + "-" + f1(ms.max()) + ")",
            f3(ratio) + (ratio <= TARGET ? " ok" : " OVER"),
            f3(ps.median()) + " (" + f3(ps.min()) + "-" + f3(ps.max()) + ")",
            f1(dh.median()) + "/" + f1(mh.median()),
            f1(hs.median()), f3(hs.median() / ds.median()),
            f1(Stats.of(rawHitMs).median()) + " (" + f1(Stats.of(rawHitHeadMs).median()) + ")");
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("sizeBytes", size);
        entry.put("idealWanMillis", Double.isNaN(idealMs) ? null : round(idealMs));
        entry.put("directMillis", stats(ds, directMs));
        entry.put("missMillis", stats(ms, missMs));
        entry.put("hitMillis", stats(hs, hitMs));
        entry.put("hitMillisRawClient", stats(Stats.of(rawHitMs), rawHitMs));
        entry.put("hitTimeToHeadMillisRawClient", stats(Stats.of(rawHitHeadMs), rawHitHeadMs));
        entry.put("directTimeToHeadMillis", stats(dh, directHeadMs));
        entry.put("missTimeToHeadMillis", stats(mh, missHeadMs));
        entry.put("commitWaitAfterMissMillis", stats(Stats.of(commitWaitMs), commitWaitMs));
        entry.put("missOverDirect", round(ratio));
        entry.put("pairedMissOverDirect", stats(ps, paired));
        entry.put("hitOverDirect", round(hs.median() / ds.median()));
        entry.put("directMBps", round(size / (ds.median() / 1e3) / 1e6));
        entry.put("missMBps", round(size / (ms.median() / 1e3) / 1e6));
        entry.put("hitMBps", round(size / (hs.median() / 1e3) / 1e6));
        entry.put("meetsTarget", ratio <= TARGET);
        perSize.add(entry);
      }
      System.out.println();
      System.out.printf("1. Cache miss vs direct (WAN %s Mbit/s, %d rounds, median; target miss/direct <= %.2f)%n",
          o.wanMbit > 0 ? fmt(o.wanMbit) : "unthrottled", o.rounds, TARGET);
      table.print(System.out);
      System.out.printf("  (paired ratio: median of per-round miss/direct; ttfb: time to response head;"
          + "%n   raw hit: the same object read again by the raw-socket client, new connection, no digest)%n");
      String problems = started.problems();
      if (!problems.isBlank()) {
        System.out.println("  node log warnings:\n" + problems.indent(4));
        result.put("nodeLogWarnings", problems);
      }
      result.put("target", "miss <= " + TARGET + " x direct");
      result.put("sizes", perSize);
    }
    return result;
  }

  /**
   * A hit read with the low-overhead raw client, body counted but not digested (the same object's bytes
   * were just checked through {@code java.net.http}): the node's own hit latency, without the client's.
   * Returns {time to head, time to last byte} in nanoseconds.
   */
  private long[] rawHit(BenchContext.StartedNode started, String path, long size) throws IOException {
    try (RawHttpClient client = RawHttpClient.connect(started.node().address(), context.requestTimeout())) {
      RawHttpClient.Response r = client.get(started.proxyTarget(path), context.origin().address().getAddress().getHostAddress()
          + ":" + context.origin().address().getPort(), false, null);
      if (r.status() != 200 || r.bodyBytes() != size || !"hit".equals(r.header("X-Potluck-Cache"))) {
        throw new IllegalStateException("raw hit of " + path + ": status " + r.status() + ", " + r.bodyBytes() + " bytes, "
            + r.header("X-Potluck-Cache"));
      }
      return new long[] {r.headNanos(), r.totalNanos()};
    }
  }

  private JdkHttpGet.Result fetch(JdkHttpGet client, String path, long size, String expectedCache)
      throws IOException, InterruptedException {
    URI uri = URI.create(context.origin().baseUrl() + path);
    JdkHttpGet.Result r = client.get(uri);
    String where = (expectedCache == null ? "direct" : "node") + " GET " + path;
    if (r.status() != 200) {
      throw new IllegalStateException(where + ": status " + r.status());
    }
    if (r.bodyBytes() != size) {
      throw new IllegalStateException(where + ": " + r.bodyBytes() + " bytes, expected " + size);
    }
    String expectedSha = context.origin().awaitSentDigest(path, java.time.Duration.ofSeconds(30));
    if (!r.sha256().equals(expectedSha)) {
      throw new IllegalStateException(where + ": SHA-256 " + r.sha256() + " but the origin sent " + expectedSha);
    }
    if (expectedCache != null && !expectedCache.equals(r.cacheHeader())) {
      throw new IllegalStateException(where + ": X-Potluck-Cache " + r.cacheHeader() + ", expected " + expectedCache);
    }
    return r;
  }

  static Map<String, Object> stats(Stats s, List<Double> values) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median", round(s.median()));
    m.put("min", round(s.min()));
    m.put("max", round(s.max()));
    m.put("values", values.stream().map(MissLatency::round).toList());
    return m;
  }

  static double round(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return v;
    }
    return Math.round(v * 1000) / 1000.0;
  }

  static String f1(double v) {
    return String.format(java.util.Locale.ROOT, "%.1f", v);
  }

  static String f3(double v) {
    return String.format(java.util.Locale.ROOT, "%.3f", v);
  }

  static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
