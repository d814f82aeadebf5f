package dev.potluck.node.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.potluck.testkit.apt.Sha256;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node run from the jar inside a network namespace, as a user runs it on a host of its own: with
 * no flags but its cache folder (and what a test adds), so it binds the namespace's LAN address,
 * listens on the namespace's {@code 127.0.0.1:7878} and finds its peers by mDNS. The test reaches
 * it the way the host's package managers do, with curl run inside the same namespace.
 */
final class NamespaceNode implements AutoCloseable {

  /** The default client listener, inside the node's own namespace. */
  static final String LISTEN = "127.0.0.1:7878";

  private final String namespace;
  private final Process process;
  private final Path log;

  private NamespaceNode(String namespace, Process process, Path log) {
    this.namespace = namespace;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code java -jar potluck.jar node --cache-dir CACHE [args]} inside {@code namespace}; returns
   * at once (see {@link #awaitReady}), so that several nodes can start together.
   */
  static NamespaceNode start(String namespace, Path workDir, String... args) throws IOException, InterruptedException {
    assumeTrue(runs("curl", "--version"),
        "the test's clients are curl run inside the namespaces; curl is not on PATH");
    List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.net.preferIPv4Stack=true", "-Xmx256m", "-jar", NodeProcess.jar().toString(),
        "node", "--cache-dir", Files.createDirectories(workDir.resolve("cache-" + namespace)).toString()));
    java.addAll(List.of(args));
    return run(namespace, workDir.resolve("node-" + namespace + ".log"), java, Map.of());
  }

  /**
   * Runs {@code command} (a node however started: the jar, or an installed package's launcher) inside
   * {@code namespace}, its output to {@code log}, with {@code env} added to the environment; returns at once.
   */
  static NamespaceNode run(String namespace, Path log, List<String> command, Map<String, String> env)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(NetworkNamespaces.in(namespace, command))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return new NamespaceNode(namespace, builder.start(), log);
  }

  /** Waits for the process to exit after {@link #stop}; its exit code, or -1 if it is still running. */
  int awaitExit(int seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  /** True when {@code command} can be started and exits with 0. */
  static boolean runs(String... command) throws InterruptedException {
    try {
      return NetworkNamespaces.run(List.of(command)).exitCode() == 0;
    } catch (IOException notThere) {
      return false;
    }
  }

  String namespace() {
    return namespace;
  }

  /** Waits until the node answers {@code /api/v1/status} and has joined a cluster (alone or not). */
  void awaitReady(int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (members() == null) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the node in " + namespace + " was not ready within " + seconds + " s\n" + report());
      }
      Thread.sleep(200);
    }
  }

  /**
   * {@code GET /api/v1/status}, parsed; null while the node does not answer yet.
   *
   * @throws AssertionError when the node has exited
   */
  JsonObject status() throws IOException, InterruptedException {
    assertAlive();
    NetworkNamespaces.Result r = NetworkNamespaces.run(NetworkNamespaces.in(namespace, List.of(
        "curl", "-s", "--noproxy", "*", "--max-time", "10", "http://" + LISTEN + "/api/v1/status")));
    if (r.exitCode() != 0 || r.output().isBlank()) {
      return null;
    }
    try {
      return new JsonObject(r.output());
    } catch (DecodeException notReadyYet) {
      return null;
    }
  }

  /** {@code GET /api/v1/objects}, parsed: the node's cache. */
  JsonObject objects() throws IOException, InterruptedException {
    assertAlive();
    NetworkNamespaces.Result r = NetworkNamespaces.run(NetworkNamespaces.in(namespace, List.of(
        "curl", "-s", "--noproxy", "*", "--max-time", "10", "http://" + LISTEN + "/api/v1/objects")));
    if (r.exitCode() != 0) {
      throw new IOException("no objects list from the node in " + namespace + ": " + r.output());
    }
    return new JsonObject(r.output());
  }

  /** The members of this node's view, or null while the node is not ready or still joining. */
  JsonArray members() throws IOException, InterruptedException {
    JsonObject status = status();
    JsonObject cluster = status == null ? null : status.getJsonObject("cluster");
    return cluster == null ? null : cluster.getJsonArray("members");
  }

  /** True when this node's view has {@code size} members and knows every one's peer API. */
  boolean seesWholeView(int size) throws IOException, InterruptedException {
    JsonArray members = members();
    if (members == null || members.size() != size) {
      return false;
    }
    for (int i = 0; i < members.size(); i++) {
      if (members.getJsonObject(i).getString("peerApi") == null) {
        return false;
      }
    }
    return true;
  }

  /** What a client got through the node: status, {@code X-Potluck-Cache}, and the body's size and SHA-256. */
  record Fetched(int status, String cache, long size, String sha256) {}

  /**
   * The command line of {@code curl} fetching {@code url} through this node as its proxy, from inside its
   * namespace, into {@code dir/name.body} and {@code dir/name.headers}; run it with {@link #fetched}.
   */
  List<String> curl(String url, Path dir, String name) {
    return NetworkNamespaces.in(namespace, List.of("curl", "-s", "--max-time", "120", "-x", "http://" + LISTEN,
        "-D", dir.resolve(name + ".headers").toString(), "-o", dir.resolve(name + ".body").toString(), url));
  }

  /** Fetches {@code url} through this node (see {@link #curl}). */
  Fetched fetch(String url, Path dir, String name) throws IOException, InterruptedException {
    NetworkNamespaces.Result r = NetworkNamespaces.run(curl(url, dir, name));
    if (r.exitCode() != 0) {
      throw new AssertionError("curl through the node in " + namespace + " failed (" + r.exitCode() + "): "
          + r.output() + "\n" + report());
    }
    return fetched(dir, name);
  }

  /** Reads what {@link #curl} left in {@code dir}. */
  static Fetched fetched(Path dir, String name) throws IOException {
    int status = 0;
    String cache = null;
    for (String line : Files.readAllLines(dir.resolve(name + ".headers"))) {
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("http/")) {
        status = Integer.parseInt(line.split(" ")[1]);
      } else if (lower.startsWith("x-potluck-cache:")) {
        cache = line.substring(line.indexOf(':') + 1).strip();
      }
    }
    Path body = dir.resolve(name + ".body");
    return new Fetched(status, cache, Files.size(body), Sha256.of(body));
  }

  private void assertAlive() throws IOException {
    if (!process.isAlive()) {
      throw new AssertionError("the node in " + namespace + " exited with " + process.exitValue() + "\n" + report());
    }
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Its view (or why there is none) and its log, for a failure message; never throws. */
  String describe() {
    String view;
    try {
      view = String.valueOf(members());
    } catch (Exception | AssertionError e) {
      view = "(unknown: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")";
    }
    return "view " + view + "\n" + report();
  }

  String report() {
    return "--- node in " + namespace + " (pid " + process.pid() + "):\n" + log();
  }

  /** Stops {@code nodes}: all SIGTERMed at once (each takes a few seconds to leave the group), then awaited. */
  static void closeAll(List<NamespaceNode> nodes) throws InterruptedException {
    for (NamespaceNode node : nodes) {
      node.stop();
    }
    for (NamespaceNode node : nodes) {
      node.close();
    }
  }

  /** Sends SIGTERM without waiting, so that several nodes leave together. */
  void stop() {
    process.destroy();
  }

  @Override
  public void close() throws InterruptedException {
    // SIGTERM first, so the node leaves the group; then no more patience.
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
