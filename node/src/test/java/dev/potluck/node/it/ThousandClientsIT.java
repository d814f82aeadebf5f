package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 client connections through one node, opened first and then all asking at once: 500 hits of a
 * 200 KB file, 450 joiners of one uncached 5 MB file, 50 misses of files of their own. Every answer is
 * whole and right, the 5 MB file crosses the "WAN" once, and the node, run with a 256 MiB heap, keeps
 * its peak RSS under a stated bound. Latency figures are printed, never asserted; the benchmark
 * (benchmarks/load.sh) sets them beside nginx's.
 */
class ThousandClientsIT {

  static final int HITS = 500;
  static final int JOINERS = 450;
  static final int MISSES = 50;
  /** Peak RSS allowed for the node (-Xmx256m) through the whole run. */
  static final long RSS_BOUND_KIB = 512 * 1024;

  @TempDir Path work;

  @Test
  void thousandConcurrentClients_everyBodyRight_rssBounded() throws Exception {
    try (OriginServer origin = OriginServer.start();
        NodeProcess node = NodeProcess.start(work, NodeProcess.freePort(), List.of("-Xmx256m"),
            "--cache-dir", work.resolve("cache").toString())) {
      origin.route("/pool/hit_1.0_all.deb", OriginServer.body(200_000, 1));
      // Slow enough upstream (40 MB/s) that every joiner arrives while the file is still coming.
      origin.route("/pool/big_1.0_all.deb", OriginServer.body(5_000_000, 2).withRate(40_000_000));
      for (int i = 0; i < MISSES; i++) {
        origin.route("/pool/miss" + i + "_1.0_all.deb", OriginServer.body(100_000 + i, 100 + i));
      }
      assertEquals(200, node.client().get(origin.url("/pool/hit_1.0_all.deb")).status());
      SlowClientsIT.awaitIdle(node);

      List<String> paths = new ArrayList<>();
      for (int i = 0; i < HITS; i++) {
        paths.add("/pool/hit_1.0_all.deb");
      }
      for (int i = 0; i < JOINERS; i++) {
        paths.add("/pool/big_1.0_all.deb");
      }
      for (int i = 0; i < MISSES; i++) {
        paths.add("/pool/miss" + i + "_1.0_all.deb");
      }
      Load load = Load.run(node.port(), paths.stream().map(origin::url).toList(), 120);
      long peak = RawHttp.peakRssKib(node.pid());

      System.out.printf("1,000 clients: %d answers right, %d errors; hits p50 %.1f ms, p99 %.1f ms; node peak RSS %d MiB"
          + " (-Xmx256m, bound %d MiB)%n", load.right(origin), load.errors().size(), load.percentile("/pool/hit_1.0_all.deb", 50),
          load.percentile("/pool/hit_1.0_all.deb", 99), peak / 1024, RSS_BOUND_KIB / 1024);
      assertEquals(List.of(), load.errors().subList(0, Math.min(10, load.errors().size())), "no client saw an error");
      assertEquals(paths.size(), load.right(origin), "every body whole and right");
      assertEquals(1, origin.count("GET", "/pool/big_1.0_all.deb"), "the joiners' file crossed the WAN once");
      assertTrue(peak < RSS_BOUND_KIB, "peak RSS " + peak / 1024 + " MiB");
      assertTrue(node.isAlive());
    }
  }

  /**
   * Many plain HTTP/1.1 clients, each on its own connection and thread: all connect first, then all
   * send at once; each records its answer's status, digest and time to the last byte.
   */
  static final class Load {
    record Answer(String url, int status, String sha256, long nanos) {}

    private final List<Answer> answers;
    private final List<String> errors;

    private Load(List<Answer> answers, List<String> errors) {
      this.answers = answers;
      this.errors = errors;
    }

    /** Sends {@code urls[i]} as an absolute-form GET to the proxy at {@code port}, all at once. */
    static Load run(int port, List<String> urls, int timeoutSeconds) throws Exception {
      return run(port, urls, true, timeoutSeconds);
    }

    /**
     * @param absolute absolute-form requests (a proxy) or origin-form (a web server serving the paths)
     */
    static Load run(int port, List<String> urls, boolean absolute, int timeoutSeconds) throws Exception {
      List<Socket> sockets = new ArrayList<>();
      for (int i = 0; i < urls.size(); i++) {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(timeoutSeconds * 1000);
        sockets.add(s);
      }
      CountDownLatch go = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(urls.size());
      Answer[] answers = new Answer[urls.size()];
      Map<Integer, String> errors = new ConcurrentHashMap<>();
      AtomicInteger ready = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < urls.size(); i++) {
        int n = i;
        Thread t = new Thread(() -> {
          String url = urls.get(n);
          String target = absolute ? url : url.substring(url.indexOf('/', url.indexOf("//") + 2));
          byte[] head = ("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
          try (Socket s = sockets.get(n)) {
            ready.incrementAndGet();
            go.await();
            long start = System.nanoTime();
            s.getOutputStream().write(head);
            RawHttp.Response r = RawHttp.read(s.getInputStream());
            answers[n] = new Answer(url, r.status(), r.sha256(), System.nanoTime() - start);
          } catch (IOException | RuntimeException e) {
            errors.put(n, url + ": " + e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            done.countDown();
          }
        }, "load-" + i);
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      while (ready.get() < urls.size()) {
        Thread.sleep(10);
      }
      go.countDown();
      if (!done.await(timeoutSeconds + 30L, TimeUnit.SECONDS)) {
        errors.put(-1, done.getCount() + " clients had no answer in time");
      }
      List<Answer> list = new ArrayList<>();
      for (int i = 0; i < answers.length; i++) {
        if (answers[i] != null) {
          list.add(answers[i]);
          if (answers[i].status() != 200) {
            errors.put(i, answers[i].url() + ": status " + answers[i].status());
          }
        }
      }
      return new Load(list, new ArrayList<>(errors.values()));
    }

    List<String> errors() {
      return errors;
    }

    /** Answers whose body has the digest {@code origin} serves at their path. */
    long right(OriginServer origin) {
      return answers.stream().filter(a -> a.status() == 200
          && a.sha256().equals(origin.sha256(a.url().substring(a.url().indexOf('/', a.url().indexOf("//") + 2))))).count();
    }

    /** The {@code p}th percentile, in milliseconds, of the times of the answers for URLs ending in {@code suffix}. */
    double percentile(String suffix, double p) {
      long[] nanos = answers.stream().filter(a -> a.url().endsWith(suffix)).mapToLong(Answer::nanos).sorted().toArray();
      if (nanos.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(p / 100.0 * nanos.length) - 1;
      return nanos[Math.max(0, Math.min(nanos.length - 1, index))] / 1e6;
    }

    long[] sortedNanos(String suffix) {
      long[] nanos = answers.stream().filter(a -> a.url().endsWith(suffix)).mapToLong(Answer::nanos).toArray();
      Arrays.sort(nanos);
      return nanos;
    }
  }
}
