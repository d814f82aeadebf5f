package dev.potluck.bench.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * nginx serving a directory on loopback, as the baseline for cache hits: foreground master
 * ({@code daemon off}), a generated minimal config, pid, logs and temp paths all under {@code workDir},
 * {@code sendfile on}, no access log.
 */
public final class NginxProcess implements AutoCloseable {

  private final Process process;
  private final InetSocketAddress address;
  private final Path workDir;
  private final Cleanup cleanup;

  private NginxProcess(Process process, InetSocketAddress address, Path workDir, Cleanup cleanup) {
    this.process = process;
    this.address = address;
    this.workDir = workDir;
    this.cleanup = cleanup;
  }

  /** The {@code nginx -v} line, or null if {@code binary} cannot run. */
  public static String version(Path binary, Cleanup cleanup) {
    if (!Files.isExecutable(binary)) {
      return null;
    }
    try {
      Process p = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
      cleanup.register(p);
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          return null;
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      } finally {
        cleanup.stop(p, 1_000);
      }
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * @param workers {@code worker_processes}: a number, or {@code auto} (one per CPU, Debian's default)
   * @param probePath a path under {@code root} that must answer 200 before this returns
   */
  public static NginxProcess start(Cleanup cleanup, Path binary, Path workDir, Path root, String workers,
      String probePath, Duration readyTimeout) throws IOException, InterruptedException, TimeoutException {
    return start(cleanup, binary, workDir, root, workers, 256, probePath, readyTimeout);
  }

  /** As the other {@code start}, with {@code workerConnections} connections per worker at most. */
  public static NginxProcess start(Cleanup cleanup, Path binary, Path workDir, Path root, String workers,
      int workerConnections, String probePath, Duration readyTimeout)
      throws IOException, InterruptedException, TimeoutException {
    int port = NodeProcess.freeLoopbackPort();
    writeConfig(workDir, workers, workerConnections, "127.0.0.1:" + port, root, List.of("access_log off;"));
    Process process = launch(cleanup, command(binary, workDir), workDir);
    NginxProcess nginx = new NginxProcess(process, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), workDir, cleanup);
    try {
      nginx.awaitReady(probePath, readyTimeout);
    } catch (IOException | InterruptedException | TimeoutException | RuntimeException e) {
      nginx.close();
      throw e;
    }
    return nginx;
  }

  public InetSocketAddress address() {
    return address;
  }

  public long pid() {
    return process.pid();
  }

  private void awaitReady(String probePath, Duration timeout) throws IOException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastProblem = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("nginx exited with status " + process.exitValue() + ":\n" + logs());
      }
      try (RawHttpClient client = RawHttpClient.connect(address, Duration.ofSeconds(5))) {
        RawHttpClient.Response r = client.head(probePath, "127.0.0.1");
        if (r.status() == 200) {
          return;
        }
        lastProblem = "HEAD " + probePath + " answered " + r.status();
      } catch (IOException notYet) {
        lastProblem = notYet.toString();
      }
      try {
        process.onExit().get(50, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException ignored) {
        // still running: try again
      }
    }
    throw new TimeoutException("nginx was not ready within " + timeout + " (" + lastProblem + "):\n" + logs());
  }

  private String logs() {
    return logs(workDir);
  }

  /**
   * Writes {@code workDir/nginx.conf} for a foreground master serving {@code root} on {@code listen}
   * ({@code sendfile on}, long keep-alive), with its pid, error log and temp paths under {@code workDir}.
   *
   * @param logging the access-log lines for the {@code http} block
   */
  public static void writeConfig(Path workDir, String workers, int workerConnections, String listen, Path root,
      List<String> logging) throws IOException {
    writeConfig(workDir, workers, workerConnections, listen, root, logging, List.of());
  }

  /** As above, with {@code serverLines} in the {@code server} block (an {@code include}, a {@code return}). */
  public static void writeConfig(Path workDir, String workers, int workerConnections, String listen, Path root,
      List<String> logging, List<String> serverLines) throws IOException {
    for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      Files.createDirectories(workDir.resolve("temp").resolve(temp));
    }
    List<String> lines = new ArrayList<>(List.of(
        "worker_processes " + workers + ";",
        "daemon off;",
        "master_process on;",
        "pid " + workDir.resolve("nginx.pid") + ";",
        "error_log " + workDir.resolve("error.log") + " warn;",
        "events { worker_connections " + workerConnections + "; }",
        "http {"));
    logging.forEach(line -> lines.add("  " + line));
    lines.addAll(List.of(
        "  sendfile on;",
        "  tcp_nopush on;",
        "  keepalive_timeout 120s;",
        "  keepalive_requests 100000;",
        "  default_type application/octet-stream;",
        "  client_body_temp_path " + workDir.resolve("temp/client_body") + ";",
        "  proxy_temp_path " + workDir.resolve("temp/proxy") + ";",
        "  fastcgi_temp_path " + workDir.resolve("temp/fastcgi") + ";",
        "  uwsgi_temp_path " + workDir.resolve("temp/uwsgi") + ";",
        "  scgi_temp_path " + workDir.resolve("temp/scgi") + ";",
        "  server {",
        "    listen " + listen + ";",
        "    root " + root + ";"));
    serverLines.forEach(line -> lines.add("    " + line));
    lines.addAll(List.of(
        "    location / { }",
        "  }",
        "}",
        ""));
    Files.writeString(workDir.resolve("nginx.conf"), String.join("\n", lines), StandardCharsets.UTF_8);
  }

  /** The command that runs nginx with {@link #writeConfig}'s configuration. */
  public static List<String> command(Path binary, Path workDir) {
    return List.of(binary.toString(), "-p", workDir + "/", "-c", workDir.resolve("nginx.conf").toString(),
        "-e", workDir.resolve("error.log").toString());
  }

  /** Starts {@code command} (possibly prefixed, e.g. to run in a namespace) with its output in {@code workDir}. */
  public static Process launch(Cleanup cleanup, List<String> command, Path workDir) throws IOException {
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(workDir.resolve("stdout.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    cleanup.register(process);
    return process;
  }

  /** What nginx wrote to its output and error log in {@code workDir}, for an error message. */
  public static String logs(Path workDir) {
    StringBuilder out = new StringBuilder();
    for (String name : List.of("stdout.log", "error.log")) {
      try {
        out.append(Files.readString(workDir.resolve(name), StandardCharsets.UTF_8));
      } catch (IOException ignored) {
        // not written
      }
    }
    return out.toString();
  }

  /** SIGTERM to the master (fast shutdown), then SIGKILL to it and any worker still alive. */
  @Override
  public void close() {
    cleanup.stop(process, 10_000);
  }
}
