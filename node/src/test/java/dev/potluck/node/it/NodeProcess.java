package dev.potluck.node.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A node run as its own JVM from the built jar, as a user runs it. */
final class NodeProcess implements AutoCloseable {

  private static final java.util.Set<Integer> handedOut = new java.util.HashSet<>();

  private final Process process;
  private final int port;
  private final Path log;

  private NodeProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * A port free on loopback now, for a node to be started on. Taken below the kernel's ephemeral range
   * (32768 and up), so that no connection's source port or port-0 listener of the nodes already
   * running can take it between this check and the node binding it. Never the same port twice in one
   * test run, nor one 100 above or below a port handed out (a cluster port's failure detector listens
   * 100 above it).
   */
  static synchronized int freePort() throws IOException {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = random.nextInt(20_000, 32_000);
      if (handedOut.contains(port) || handedOut.contains(port - 100) || handedOut.contains(port + 100)) {
        continue;
      }
      try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        handedOut.add(port);
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port between 20000 and 32000 on loopback");
  }

  /**
   * {@code --secret-file} with a secret written under {@code dir}: objects that no authority vouches
   * for (the tests' origins serve unsigned files) are shared only in a cluster with a secret.
   */
  static List<String> secretArgs(Path dir) throws IOException {
    Path file = dir.resolve("cluster.secret");
    if (!Files.exists(file)) {
      Files.writeString(file, "a test cluster's shared secret, 41 bytes\n");
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
    return List.of("--secret-file", file.toString());
  }

  static Path jar() {
    String jar = System.getProperty("potluck.jar");
    assumeTrue(jar != null && Files.isRegularFile(Path.of(jar)),
        "the node jar is built by 'mvn package'; run this test through 'mvn verify' (potluck.jar=" + jar + ")");
    return Path.of(jar);
  }

  /** Starts {@code java [jvmArgs] -jar potluck.jar node --listen 127.0.0.1:port [args]} and waits until it is ready. */
  static NodeProcess start(Path workDir, int port, List<String> jvmArgs, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", jar().toString(), "node", "--listen", "127.0.0.1:" + port));
    command.addAll(List.of(args));
    if (List.of(args).stream().noneMatch(a -> a.startsWith("--bind") || a.startsWith("--cluster"))) {
      // A node of its own: other tests' nodes on this host must not become its peers.
      command.addAll(List.of("--bind", "127.0.0.1", "--no-mdns", "--peer-port", "0", "--cluster-port", "0",
          "--cluster", "alone-" + Long.toHexString(System.nanoTime())));
    }
    Path log = Files.createTempFile(workDir, "node-", ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    NodeProcess node = new NodeProcess(process, port, log);
    node.awaitReady();
    return node;
  }

  /** Runs the jar with {@code args} to completion and returns its exit code and output. */
  static Completed run(Path workDir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar().toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(workDir, "run-", ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("potluck " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new Completed(process.exitValue(), Files.readString(out));
  }

  record Completed(int exitCode, String output) {}

  private void awaitReady() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the node exited with " + process.exitValue() + ":\n" + output());
      }
      try {
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (status.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the node was not ready within 60 s:\n" + output());
  }

  int port() {
    return port;
  }

  /** {@code GET /api/v1/status}, parsed. */
  io.vertx.core.json.JsonObject status() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("status answered " + response.statusCode() + ": " + response.body());
    }
    return new io.vertx.core.json.JsonObject(response.body());
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  ProxyClient client() {
    return new ProxyClient(port);
  }

  String output() throws IOException {
    return Files.readString(log);
  }

  /** {@code kill -9}: no shutdown hook, no cleanup. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** {@code kill -TERM}, then waits for the exit code. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the node ignored SIGTERM for 30 s");
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
