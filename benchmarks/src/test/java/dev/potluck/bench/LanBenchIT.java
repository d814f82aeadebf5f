package dev.potluck.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.potluck.bench.harness.Json;
import dev.potluck.testkit.Programs;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LAN benchmark end to end at a small size: 4 hosts, 8 packages (about 6 MiB) in a signed apt
 * repository, real apt-get clients, workload a, the three systems side by side. Asserts the figures
 * any working run must show, whatever the machine's speed: every file verified, direct fetching the set
 * once per host, the proxy and Potluck about once in all, and a report page with its charts.
 *
 * <p>Needs root and Debian's ip, tc, curl, nginx, apt-cacher-ng, apt-get, apt-ftparchive, dpkg-deb and
 * gpg; skips, naming what is missing, without them.
 */
class LanBenchIT {

  private static final List<String> PROGRAMS = List.of("ip", "tc", "curl", "apt-get", "apt-ftparchive", "dpkg-deb", "gpg",
      "mkfifo");
  private static final int HOSTS = 4;
  private static final long MAX_SECONDS = 240;

  @TempDir
  Path tmp;

  @Test
  @Timeout(value = MAX_SECONDS + 60, unit = TimeUnit.SECONDS)
  void threeSystemsSideBySide_everyFileVerified_upstreamBytesAsExpected() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "the LAN benchmark builds network namespaces and needs root; skipping as " + System.getProperty("user.name"));
    List<String> missing = new ArrayList<>(PROGRAMS.stream().filter(p -> !Programs.onPath(p)).toList());
    for (String binary : List.of("/usr/sbin/nginx", "/usr/sbin/apt-cacher-ng")) {
      if (!Files.isExecutable(Path.of(binary))) {
        missing.add(binary);
      }
    }
    assumeTrue(missing.isEmpty(), () -> "the LAN benchmark needs " + missing + " (Debian packages iproute2, curl, apt, "
        + "apt-utils, dpkg-dev, gnupg, nginx-light, apt-cacher-ng); skipping");
    Path jar = Path.of(System.getProperty("potluck.jar", "../node/target/potluck.jar"));
    assertTrue(Files.isRegularFile(jar), "node jar " + jar.toAbsolutePath() + " (built by the node module's package phase)");

    Path json = tmp.resolve("lan.json");
    Path report = tmp.resolve("report");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        "dev.potluck.bench.LanBench", "--jar", jar.toString(), "--hosts", Integer.toString(HOSTS), "--packages", "8",
        "--total-mb", "6", "--warmup-mb", "1", "--workloads", "a", "--systems", "direct,proxy,potluck",
        "--out", json.toString(), "--report", report.toString(), "--logs", tmp.resolve("logs").toString(),
        "--max-seconds", Long.toString(MAX_SECONDS));
    Path output = tmp.resolve("bench.out");
    Process bench = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    try {
      assertTrue(bench.waitFor(MAX_SECONDS + 30, TimeUnit.SECONDS), "the benchmark outlived its own bound");
    } finally {
      // SIGTERM: the benchmark's shutdown hook stops what it started and deletes its namespaces.
      bench.destroy();
      bench.waitFor(40, TimeUnit.SECONDS);
      bench.destroyForcibly();
    }
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    System.out.println(printed);
    assertEquals(0, bench.exitValue(), "exit status of the benchmark; its output:\n" + printed);

    Map<?, ?> results = (Map<?, ?>) Json.parse(Files.readString(json, StandardCharsets.UTF_8));
    assertEquals(Boolean.TRUE, results.get("complete"));
    Map<?, ?> systems = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) results.get("workloads")).get("a")).get("systems");
    assertEquals(List.of("direct", "proxy", "potluck"), List.copyOf(systems.keySet()));
    for (Object name : systems.keySet()) {
      Map<?, ?> r = (Map<?, ?>) systems.get(name);
      assertEquals(Boolean.TRUE, r.get("ok"), name + ": " + r.get("error") + " " + r.get("fileProblems"));
      assertEquals(8L * HOSTS, r.get("filesChecked"), name + ": files checked");
      assertEquals(8L * HOSTS, r.get("filesVerified"), name + ": files verified");
      assertTrue(((Number) r.get("makespanSeconds")).doubleValue() > 0, name + ": makespan");
      // No system can beat fetching the set once at the WAN's rate.
      assertTrue(((Number) r.get("makespanOverIdeal")).doubleValue() >= 0.9, name + ": makespan / ideal " + r.get("makespanOverIdeal"));
    }
    double direct = upstreamOverUnique(systems, "direct");
    assertTrue(direct >= HOSTS - 0.05 && direct <= HOSTS + 0.1, "direct fetches the set once per host: " + direct);
    // apt-cacher-ng, cold, fetches a package that several clients ask for at once more than once now
    // and then (1.03 to 1.15 measured with 4 hosts), but far less than once per host.
    double proxy = upstreamOverUnique(systems, "proxy");
    assertTrue(proxy >= 0.99 && proxy <= 2.0, "the central proxy fetches each package at most about twice: " + proxy);
    double potluck = upstreamOverUnique(systems, "potluck");
    assertTrue(potluck >= 0.99 && potluck <= 1.05, "Potluck fetches each package about once: " + potluck);
    List<?> proxyUploads = (List<?>) ((Map<?, ?>) ((Map<?, ?>) systems.get("proxy")).get("uploads")).get("perHostBytes");
    long setBytes = ((Number) ((Map<?, ?>) results.get("packageSet")).get("uniqueBytes")).longValue();
    // Host 1 (the proxy) sent the set to each of the three other hosts.
    assertTrue(((Number) proxyUploads.get(0)).longValue() >= (HOSTS - 1) * setBytes, "the proxy's host sent " + proxyUploads);

    String page = Files.readString(report.resolve("index.html"), StandardCharsets.UTF_8);
    for (String png : List.of("makespan.png", "upstream.png", "upload-a.png")) {
      assertTrue(page.contains(png), "the report shows " + png);
      assertTrue(Files.size(report.resolve(png)) > 5_000, png + " is a drawn chart");
    }
    assertTrue(page.contains("<th>direct</th><th>proxy</th><th>potluck</th>"), "the systems side by side in the report");
  }

  private static double upstreamOverUnique(Map<?, ?> systems, String name) {
    // The upstream link's counter: nginx's log counts an aborted response in full.
    Map<?, ?> up = (Map<?, ?>) ((Map<?, ?>) systems.get(name)).get("upstream");
    return ((Number) up.get("wireOverUnique")).doubleValue();
  }
}
