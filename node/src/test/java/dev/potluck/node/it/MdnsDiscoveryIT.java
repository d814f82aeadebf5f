package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Zero configuration: seedless members, each a JVM in its own network namespace on one bridged LAN,
 * find each other by mDNS and form one group; a member of another cluster on the same LAN stays
 * alone. Needs root and iproute2 (skips otherwise).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class MdnsDiscoveryIT {

  private static final int PORT = 7800;

  private final List<Member> members = new ArrayList<>();
  private NetworkNamespaces namespaces;

  @AfterEach
  void cleanUp() throws Exception {
    try {
      // All goodbyes at once: each member takes about 2 s to leave.
      for (Member member : members) {
        member.process.destroy();
      }
      for (Member member : members) {
        member.close();
      }
    } finally {
      if (namespaces != null) {
        namespaces.close();
      }
    }
  }

  @Test
  void seedlessMembers_formOneGroupByMdns_otherClusterStaysAlone() throws Exception {
    namespaces = NetworkNamespaces.create();
    String[] hosts = namespaces.bridge(4);
    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      members.add(Member.start(hosts[i], "10.204.0." + (i + 1), "office"));
    }
    awaitWithin(start, 30, () -> members.stream().allMatch(m -> m.lastView() == 3),
        "three seedless members form one view of 3");
    System.out.printf("MdnsDiscoveryIT: one view of 3 after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

    Member lab = Member.start(hosts[3], "10.204.0.4", "lab");
    members.add(lab);
    // Proof that the lab member hears the office over mDNS, so staying alone is the filter's doing.
    awaitWithin(System.nanoTime(), 30, () -> lab.log().contains("cluster 'office'"),
        "the lab member sees the office's mDNS records");
    // Then long enough for two more merge rounds (MERGE3 runs every 2-6 s).
    Thread.sleep(12_000);
    assertEquals(1, lab.maxView(), "a member of another cluster must stay alone\n" + lab.report());
    for (Member office : members.subList(0, 3)) {
      assertEquals(3, office.lastView(), office.report());
      assertEquals(3, office.maxView(), office.report());
    }
  }

  @Test
  void splitCluster_partsCarryOnAlone_thenMergeWhenTheNetworkHeals() throws Exception {
    namespaces = NetworkNamespaces.create();
    String[] hosts = namespaces.bridge(4);
    long start = System.nanoTime();
    for (int i = 0; i < 4; i++) {
      members.add(Member.start(hosts[i], "10.204.0." + (i + 1), "office"));
    }
    awaitWithin(start, 40, () -> members.stream().allMatch(m -> m.lastView() == 4), "four members form one view");

    namespaces.unplug(3);
    namespaces.unplug(4);
    long split = System.nanoTime();
    // Each unplugged host is cut off from everyone, the other two still see each other.
    awaitWithin(split, 30, () -> members.get(0).lastView() == 2 && members.get(1).lastView() == 2
            && members.get(2).lastView() == 1 && members.get(3).lastView() == 1,
        "the parts carry on as views of 2, 1 and 1 once the failure detector gives up on the others");
    long splitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - split);

    namespaces.plug(3);
    namespaces.plug(4);
    long healed = System.nanoTime();
    awaitWithin(healed, 60, () -> members.stream().allMatch(m -> m.lastView() == 4),
        "the parts merge into one view of 4");
    System.out.printf("[figure] partition: views of 2, 1 and 1 after %d ms; one view of 4 again %d ms after healing%n",
        splitMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healed));
  }

  private void awaitWithin(long start, int seconds, BooleanSupplier condition, String what) throws Exception {
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        StringBuilder why = new StringBuilder("not within " + seconds + " s: " + what);
        for (Member member : members) {
          why.append("\n").append(member.report());
        }
        throw new AssertionError(why);
      }
      for (Member member : members) {
        if (!member.process.isAlive()) {
          throw new AssertionError("a member exited with " + member.process.exitValue() + "\n" + member.report());
        }
      }
      Thread.sleep(50);
    }
  }

  /** One {@link MdnsMember} JVM inside a namespace, and what it printed. */
  private static final class Member implements AutoCloseable {
    final String namespace;
    final Process process;
    final Path log;
    final List<Integer> views = new CopyOnWriteArrayList<>();
    final List<String> lines = new CopyOnWriteArrayList<>();

    private Member(String namespace, Process process, Path log) {
      this.namespace = namespace;
      this.process = process;
      this.log = log;
      Thread reader = new Thread(this::readOutput, "member-" + namespace);
      reader.setDaemon(true);
      reader.start();
    }

    static Member start(String namespace, String address, String cluster) throws IOException {
      Path log = Files.createTempFile("mdns-member-" + namespace + "-", ".log");
      List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Djava.net.preferIPv4Stack=true", "-Xmx128m", "-XX:TieredStopAtLevel=1",
          "-cp", System.getProperty("java.class.path"),
          MdnsMember.class.getName(), cluster, address, Integer.toString(PORT));
      Process process = new ProcessBuilder(NetworkNamespaces.in(namespace, java))
          .redirectError(log.toFile()).start();
      return new Member(namespace, process, log);
    }

    private void readOutput() {
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.add(line);
          if (line.startsWith("VIEW ")) {
            views.add(Integer.parseInt(line.split(" ")[1]));
          }
        }
      } catch (IOException | RuntimeException e) {
        lines.add("(output unreadable: " + e + ")");
      }
    }

    int lastView() {
      return views.isEmpty() ? 0 : views.get(views.size() - 1);
    }

    int maxView() {
      return views.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    String log() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "(log unreadable: " + e + ")";
      }
    }

    String report() {
      return "--- " + namespace + " stdout:\n" + String.join("\n", lines) + "\n--- stderr:\n" + log();
    }

    @Override
    public void close() throws Exception {
      // SIGTERM first so the member says goodbye; then no more patience.
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
      Files.deleteIfExists(log);
    }
  }
}
