package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.cli.AptSnippet;
import dev.potluck.testkit.apt.AptGet;
import dev.potluck.testkit.apt.AptRepository;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .deb as a sysadmin meets it, on this machine: lintian; dpkg -i; systemd-analyze on the unit; the
 * installed node, run as the package's user in a network namespace, serving a real apt-get through the
 * package's apt helper and stopping cleanly on SIGTERM; two namespaces with the package forming a
 * cluster and sharing; dpkg --purge leaving nothing behind. One installation for the whole class,
 * purged at the end whatever happened. Needs root, dpkg, lintian, systemd-analyze, iproute2, curl and
 * apt's tools; skips, saying which is missing, without them, and when potluck is installed already.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class DebianPackageIT {

  /** lintian's warnings that the README lists with the reason they stay. */
  private static final Set<String> LISTED_WARNINGS = Set.of("unknown-java-class-version");
  private static final String NODE = "http://" + NamespaceNode.LISTEN + "/";
  private static final int[] SIZES = {300 * 1024, 1 << 20, 2000};

  @TempDir Path work;
  private DebianPackage deb;
  /** For what the package's user must read (the test keyring, the hosts' caches): /tmp/..., mode 755. */
  private Path shared;
  private AptLan lan = new AptLan();

  @BeforeAll
  void prerequisites() throws Exception {
    deb = DebianPackage.built();
    shared = Files.createTempDirectory("potluck-package-it-");
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void stopNodes() throws Exception {
    lan.close();
    lan = new AptLan();
  }

  @AfterAll
  void purgeAndCleanUp() throws Exception {
    try {
      lan.close();
    } finally {
      NetworkNamespaces.Result purge = DebianPackage.purgeIfInstalled();
      if (purge.exitCode() != 0) {
        System.err.println("dpkg --purge potluck failed: " + purge.output());
      }
      if (shared != null) {
        NetworkNamespaces.run(List.of("rm", "-rf", shared.toString()));
      }
    }
  }

  @Test
  @Order(1)
  void lintian_noErrors_onlyTheWarningsTheReadmeLists() throws Exception {
    NetworkNamespaces.Result r = NetworkNamespaces.run(List.of("lintian", "--pedantic", deb.file().toString()));
    System.out.println("[figure] lintian " + deb.file().getFileName() + ":\n" + r.output());
    Set<String> warnings = new TreeSet<>();
    for (String line : r.output().lines().toList()) {
      assertFalse(line.startsWith("E:"), "lintian error: " + line);
      if (line.startsWith("W:")) {
        warnings.add(line.split("\\s+")[2]);
      }
    }
    assertTrue(LISTED_WARNINGS.containsAll(warnings), "warnings not listed in the README: " + warnings);
  }

  @Test
  @Order(2)
  void install_filesUserUnitAndClassDataArchive() throws Exception {
    deb.install();

    for (Path file : deb.files()) {
      assertTrue(Files.exists(file), file + " installed");
    }
    DebianPackage.must(List.of("getent", "passwd", "potluck"), "the package's user");
    NetworkNamespaces.Result verify = NetworkNamespaces.run(List.of("systemd-analyze", "verify", DebianPackage.UNIT.toString()));
    assertEquals(0, verify.exitCode(), verify.output());
    assertFalse(verify.output().contains("potluck"), "systemd-analyze verify says:\n" + verify.output());
    NetworkNamespaces.Result security = NetworkNamespaces.run(
        List.of("systemd-analyze", "security", "--offline=true", "--no-pager", DebianPackage.UNIT.toString()));
    Matcher exposure = Pattern.compile("Overall exposure level for potluck.service: ([0-9.]+)").matcher(security.output());
    assertTrue(exposure.find(), security.output());
    System.out.println("[figure] systemd-analyze security potluck.service: exposure " + exposure.group(1));
    assertTrue(Double.parseDouble(exposure.group(1)) <= 2.0, "the unit's sandbox weakened:\n" + security.output());
    assertTrue(Files.isRegularFile(Path.of("/var/lib/potluck/potluck.jsa")), "postinst made the class-data archive");

    NetworkNamespaces.Result version = DebianPackage.must(List.of("/usr/bin/potluck", "--version"), "potluck --version");
    assertTrue(version.output().matches("(?s)potluck \\S+\ncommit \\S+\njava 1[7-9].*|(?s)potluck \\S+\ncommit \\S+\njava [2-9]\\d.*"),
        version.output());
    assertEquals(AptSnippet.autoDetect(AptSnippet.DEFAULT_HELPER, false), Files.readString(Path.of(AptSnippet.DEFAULT_FILE)),
        "the apt snippet is installed, off");
  }

  @Test
  @Order(3)
  void installedNode_asThePackagesUser_servesApt_logsForTheJournal_stopsOnSigterm() throws Exception {
    lan.namespaces = NetworkNamespaces.create();
    String[] ns = lan.namespaces.pair(61);
    AptRepository repository = AptRepository.create(work.resolve("repo"), SIZES.length, i -> SIZES[i], 11L);
    lan.origin = NamespaceOrigin.start(ns[1], "10.203.61.2", repository.root(), 64 << 20, work);
    Path log = work.resolve("node.log");
    NamespaceNode node = PackagedNode.start(ns[0], log, null, "--keyring", keyring(repository), "--access-log");
    lan.nodes.add(node);
    node.awaitReady(120);

    // apt as 'potluck setup apt --write' leaves it: through the fail-open helper.
    NetworkNamespaces.Result setup = DebianPackage.must(List.of("/usr/bin/potluck", "setup", "apt", "--write"), "setup apt");
    assertTrue(setup.output().contains("wrote " + AptSnippet.DEFAULT_FILE), setup.output());
    assertEquals(AptSnippet.autoDetect(AptSnippet.DEFAULT_HELPER, true), Files.readString(Path.of(AptSnippet.DEFAULT_FILE)));
    AptGet apt = AptGet.create(work.resolve("apt"), repository.sourcesLine(lan.origin.url()), null,
            Map.of("Acquire::http::Proxy-Auto-Detect", AptSnippet.DEFAULT_HELPER))
        .withCommandPrefix(NetworkNamespaces.in(ns[0], List.of()));
    lan.clean(apt.update());
    lan.clean(apt.download(repository.packageNames()));
    AptLan.assertDownloadsIntact(repository, apt.downloadDir());
    JsonObject answers = node.status().getJsonObject("answers");
    assertTrue(answers.getLong("miss", 0L) >= repository.packages().size(), "apt went through the node: " + answers);
    assertEquals("potluck", Files.getOwner(Path.of("/var/cache/potluck/node-id")).getName(), "runs as the package's user");

    node.stop();
    assertEquals(143, node.awaitExit(30), "SIGTERM: the JVM's exit status that the unit's SuccessExitStatus= names\n"
        + node.log());
    List<String> lines = Files.readAllLines(log);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("<6>NodeCommand - Potluck ")), node.log());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("<4>")), "a warning (the open cluster) at priority 4\n" + node.log());
    assertTrue(lines.stream().anyMatch(l -> l.matches("<6>access - 127\\.0\\.0\\.1 GET http://10\\.203\\.61\\.2:\\d+/.*\\.deb 200 miss \\d+ \\d+ms")),
        "an access-log line for each package\n" + node.log());
    assertTrue(lines.stream().noneMatch(l -> l.matches("^\\d{4}-\\d\\d-\\d\\d .*")), "no timestamps of its own\n" + node.log());
    assertEquals("<6>NodeCommand - stopped", lines.get(lines.size() - 1), node.log());
  }

  @Test
  @Order(4)
  void twoHostsEachWithThePackage_formACluster_andShare() throws Exception {
    lan.namespaces = NetworkNamespaces.create();
    String[] hosts = lan.namespaces.bridge(3);
    AptRepository repository = AptRepository.create(work.resolve("repo2"), SIZES.length, i -> SIZES[i], 12L);
    lan.origin = NamespaceOrigin.start(hosts[2], "10.204.0.3", repository.root(), 64 << 20, work);
    String keyring = keyring(repository);
    lan.nodes.add(PackagedNode.start(hosts[0], work.resolve("a.log"), PackagedNode.cacheFolder(shared, "cache-a"),
        "--keyring", keyring));
    lan.nodes.add(PackagedNode.start(hosts[1], work.resolve("b.log"), PackagedNode.cacheFolder(shared, "cache-b"),
        "--keyring", keyring));
    lan.awaitWholeView(120);

    String sources = repository.sourcesLine(lan.origin.url());
    AptGet hostA = AptGet.create(work.resolve("host-a"), sources, NODE).withCommandPrefix(NetworkNamespaces.in(hosts[0], List.of()));
    lan.clean(hostA.update());
    lan.clean(hostA.download(repository.packageNames()));
    NamespaceNode nodeB = lan.nodes.get(1);
    long peerBefore = nodeB.status().getJsonObject("answers").getLong("peer", 0L);
    AptGet hostB = AptGet.create(work.resolve("host-b"), sources, NODE).withCommandPrefix(NetworkNamespaces.in(hosts[1], List.of()));
    lan.clean(hostB.update());
    lan.clean(hostB.installDownloadOnly(repository.packageNames()));
    AptLan.assertDownloadsIntact(repository, hostB.archivesDir());

    JsonObject answersB = nodeB.status().getJsonObject("answers");
    assertTrue(answersB.getLong("peer", 0L) - peerBefore >= repository.packages().size(),
        "host B's node took every package from host A's: " + answersB + "\n" + nodeB.report());
    for (AptRepository.Package p : repository.packages()) {
      assertEquals(1, AptLan.gets(lan.origin, p.urlPath()), p.urlPath() + " crossed the upstream link once");
    }
  }

  @Test
  @Order(5)
  void purge_leavesNothingBehind() throws Exception {
    List<Path> files = deb.files();
    DebianPackage.must(List.of("dpkg", "--purge", DebianPackage.NAME), "dpkg --purge");

    List<Path> left = new ArrayList<>();
    for (Path file : files) {
      if (Files.exists(file)) {
        left.add(file);
      }
    }
    for (String path : List.of("/etc/potluck", "/var/cache/potluck", "/var/lib/potluck",
        "/etc/systemd/system/multi-user.target.wants/potluck.service", AptSnippet.DEFAULT_FILE)) {
      if (Files.exists(Path.of(path))) {
        left.add(Path.of(path));
      }
    }
    Path helperState = Path.of("/var/lib/systemd/deb-systemd-helper-enabled");
    if (Files.isDirectory(helperState)) {
      try (Stream<Path> walk = Files.walk(helperState)) {
        walk.filter(p -> p.getFileName().toString().contains("potluck")).forEach(left::add);
      }
    }
    assertEquals(List.of(), left, "left behind by dpkg --purge");
    assertNotEquals(0, NetworkNamespaces.run(List.of("getent", "passwd", "potluck")).exitCode(), "the user is gone");
    assertNotEquals(0, NetworkNamespaces.run(List.of("getent", "group", "potluck")).exitCode(), "the group is gone");
    assertFalse(DebianPackage.isInstalled());
  }

  /** The test repository's key where the package's user can read it. */
  private String keyring(AptRepository repository) throws Exception {
    Path key = shared.resolve(repository.keyring().getFileName());
    Files.copy(repository.keyring(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    return key.toString();
  }
}
