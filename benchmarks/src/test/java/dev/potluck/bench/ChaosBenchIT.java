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
 * The chaos suite at a small size: 4 hosts with real apt-get, the fetcher of the largest package killed
 * at 30 %, and the LAN cut in two halves mid-herd and healed. Asserts what any working run must show:
 * every host the fault did not hit got every file right with no apt error, the killed fetcher cost
 * little more upstream, each side of the partition fetched each file at most once, the views merged
 * again, and no two hosts hold different bodies for one file.
 *
 * <p>Needs root and Debian's ip, tc, ss, curl, nginx, apt-get, apt-ftparchive, dpkg-deb and gpg; skips,
 * naming what is missing, without them.
 */
class ChaosBenchIT {

  private static final List<String> PROGRAMS = List.of("ip", "tc", "ss", "curl", "apt-get", "apt-ftparchive", "dpkg-deb",
      "gpg", "mkfifo");
  private static final long MAX_SECONDS = 600;

  @TempDir
  Path tmp;

  @Test
  @Timeout(value = MAX_SECONDS + 60, unit = TimeUnit.SECONDS)
  void fetcherKilledAndLanPartitioned_everyOtherHostGetsEveryFile_upstreamBarelyMore() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "the chaos suite builds network namespaces and needs root; skipping as " + System.getProperty("user.name"));
    List<String> missing = new ArrayList<>(PROGRAMS.stream().filter(p -> !Programs.onPath(p)).toList());
    if (!Files.isExecutable(Path.of("/usr/sbin/nginx"))) {
      missing.add("/usr/sbin/nginx");
    }
    assumeTrue(missing.isEmpty(), () -> "the chaos suite needs " + missing + " (Debian packages iproute2, curl, apt, "
        + "apt-utils, dpkg-dev, gnupg, nginx-light); skipping");
    Path jar = Path.of(System.getProperty("potluck.jar", "../node/target/potluck.jar"));
    assertTrue(Files.isRegularFile(jar), "node jar " + jar.toAbsolutePath() + " (built by the node module's package phase)");

    Path json = tmp.resolve("chaos.json");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        "dev.potluck.bench.ChaosBench", "--jar", jar.toString(), "--hosts", "4", "--packages", "8", "--total-mb", "32",
        "--scenarios", "fetcher-kill,partition", "--out", json.toString(), "--logs", tmp.resolve("logs").toString(),
        "--max-seconds", Long.toString(MAX_SECONDS));
    Path output = tmp.resolve("chaos.out");
    Process chaos = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    try {
      assertTrue(chaos.waitFor(MAX_SECONDS + 30, TimeUnit.SECONDS), "the chaos suite outlived its own bound");
    } finally {
      // SIGTERM: the suite's shutdown hook stops what it started and deletes its namespaces.
      chaos.destroy();
      chaos.waitFor(40, TimeUnit.SECONDS);
      chaos.destroyForcibly();
    }
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    System.out.println(printed);

    Map<?, ?> results = (Map<?, ?>) Json.parse(Files.readString(json, StandardCharsets.UTF_8));
    Map<?, ?> scenarios = (Map<?, ?>) results.get("scenarios");
    assertEquals(List.of("baseline", "fetcher-kill", "partition"), List.copyOf(scenarios.keySet()));
    for (Object id : scenarios.keySet()) {
      Map<?, ?> r = (Map<?, ?>) scenarios.get(id);
      assertEquals(List.of(), r.get("problems"), id + ": problems; the suite's output:\n" + printed);
      assertEquals(0L, ((Number) r.get("aptErrors")).longValue(), id + ": apt errors on hosts the fault did not hit");
      assertEquals(r.get("filesChecked"), r.get("filesVerified"), id + ": files verified");
    }
    Map<?, ?> kill = (Map<?, ?>) scenarios.get("fetcher-kill");
    assertEquals(1, ((List<?>) kill.get("hostsHit")).size(), "one node killed: " + kill.get("fault"));
    assertEquals(24L, ((Number) kill.get("filesChecked")).longValue(), "the three other hosts' files");
    double upstream = ((Number) kill.get("upstreamPerUnique")).doubleValue();
    assertTrue(upstream <= ChaosBench.UPSTREAM_TARGET, "a killed fetcher costs little upstream: " + upstream);
    Map<?, ?> partition = (Map<?, ?>) ((Map<?, ?>) scenarios.get("partition")).get("fault");
    assertTrue(partition.get("viewsMergedSecondsAfterHerd") instanceof Number, "the views merged: " + partition);
    assertEquals(0, chaos.exitValue(), "exit status of the suite; its output:\n" + printed);
  }
}
