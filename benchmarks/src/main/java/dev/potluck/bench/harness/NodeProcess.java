package dev.potluck.bench.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Potluck node running as a child JVM from the shaded jar:
 * {@code java <jvm options> -jar potluck.jar node --listen 127.0.0.1:PORT --cache-dir DIR --cache-size SIZE},
 * alone (a cluster of its own on loopback, no mDNS).
 * Its output goes to a log file (no pipe to drain); {@link #start} returns once {@code /api/v1/status}
 * answers 200.
 */
public final class NodeProcess implements AutoCloseable {

  private static final Pattern ACTIVE_FETCHES = Pattern.compile("\"activeFetches\"\\s*:\\s*(\\d+)");

  private final Process process;
  private final HttpClient statusClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(2)).build();
  private final InetSocketAddress address;
  private final Path log;
  private final Cleanup cleanup;

  private NodeProcess(Process process, InetSocketAddress address, Path log, Cleanup cleanup) {
    this.process = process;
    this.address = address;
    this.log = log;
    this.cleanup = cleanup;
  }

  public static NodeProcess start(Cleanup cleanup, Path jar, List<String> jvmOptions, Path cacheDir, String cacheSize,
      Path log, Duration readyTimeout) throws IOException, InterruptedException, TimeoutException {
    int port = freeLoopbackPort();
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString(), "node",
        "--listen", "127.0.0.1:" + port,
        "--cache-dir", cacheDir.toString(),
        "--cache-size", cacheSize,
        "--log-level", "info",
        // One node measured on its own: no peers, and no fixed ports to collide with another node.
        "--bind", "127.0.0.1", "--no-mdns", "--peer-port", "0", "--cluster-port", "0",
        "--cluster", "bench-" + Long.toHexString(System.nanoTime())));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    cleanup.register(process);
    NodeProcess node = new NodeProcess(process, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), log, cleanup);
    try {
      node.awaitReady(readyTimeout);
    } catch (IOException | InterruptedException | TimeoutException | RuntimeException e) {
      node.close();
      throw e;
    }
    return node;
  }

  public long pid() {
    return process.pid();
  }

  public InetSocketAddress address() {
    return address;
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The last {@code lines} lines of the node's log, for error messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** The node's {@code /api/v1/status} JSON. */
  public String status() throws IOException, InterruptedException {
    HttpResponse<String> response = statusClient.send(HttpRequest.newBuilder(statusUri()).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.body();
  }

  /**
   * Waits until the node reports no fetch in progress ({@code activeFetches} 0 in its status): a miss
   * whose client has its last byte may still be committing to the store, and a request meanwhile joins
   * the transfer instead of hitting. Returns the milliseconds waited.
   */
  public double awaitNoActiveFetches(Duration timeout) throws IOException, InterruptedException, TimeoutException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (true) {
      Matcher m = ACTIVE_FETCHES.matcher(status());
      if (!m.find()) {
        throw new IOException("the node's status has no activeFetches field");
      }
      if (Integer.parseInt(m.group(1)) == 0) {
        return (System.nanoTime() - start) / 1e6;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("the node still had " + m.group(1) + " fetches in progress after " + timeout);
      }
      try {
        process.onExit().get(5, TimeUnit.MILLISECONDS);
        throw new IOException("the node exited with status " + process.exitValue() + ":\n" + logTail(30));
      } catch (java.util.concurrent.ExecutionException | TimeoutException stillRunning) {
        // poll again
      }
    }
  }

  private URI statusUri() {
    return URI.create("http://127.0.0.1:" + address.getPort() + "/api/v1/status");
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException, TimeoutException {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the node exited with status " + process.exitValue() + " before it was ready:\n" + logTail(30));
      }
      try {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(statusUri()).timeout(Duration.ofSeconds(1)).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      // Wait a little for the next attempt, or less if the process dies meanwhile.
      try {
        process.onExit().get(50, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | TimeoutException ignored) {
        // still running: try again
      }
    }
    throw new TimeoutException("the node did not answer /api/v1/status within " + timeout + ":\n" + logTail(30));
  }

  /** Stops the node (SIGTERM, then SIGKILL after 15 s). */
  @Override
  public void close() {
    cleanup.stop(process, 15_000);
  }

  public static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  public static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
