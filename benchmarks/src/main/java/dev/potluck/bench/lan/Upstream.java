package dev.potluck.bench.lan;

import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.harness.NginxProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The upstream mirror: nginx in the upstream box's namespace, serving the package set's web root on
 * port 80 of the box's address ({@code sendfile on}, keep-alive), with an access log that records the
 * body bytes and the total bytes sent for every response. Config, pid, logs and temp paths all live
 * under {@code workDir}.
 */
public final class Upstream implements AutoCloseable {

  private static final Pattern LOG_LINE =
      Pattern.compile("^(\\S+) (\\d{3}) (\\d+) (\\d+) \"(\\S+) (\\S+)[^\"]*\" (\\S+)$");

  /** One access-log line: which host asked, what for, and what nginx sent back. */
  public record Entry(String remoteAddress, int status, long bodyBytes, long bytesSent, String method, String path) {}

  private final Process process;
  private final Path workDir;
  private final Path accessLog;
  private final String baseUrl;
  private final Cleanup cleanup;

  private Upstream(Process process, Path workDir, String baseUrl, Cleanup cleanup) {
    this.process = process;
    this.workDir = workDir;
    this.accessLog = workDir.resolve("access.log");
    this.baseUrl = baseUrl;
    this.cleanup = cleanup;
  }

  /**
   * Starts nginx in {@code box} on {@code address}:80 and returns once {@code probeFrom} gets a 200 for
   * {@code probePath} (a path under {@code root}, no leading slash).
   */
  public static Upstream start(Cleanup cleanup, Path binary, Namespace box, String address, Path workDir, Path root,
      Namespace probeFrom, String probePath, Duration readyTimeout)
      throws IOException, InterruptedException, TimeoutException {
    Files.createDirectories(workDir);
    // faults.conf is empty but while a fault the chaos suite injects asks for errors (see #answer503).
    Files.writeString(workDir.resolve("faults.conf"), "");
    NginxProcess.writeConfig(workDir, "2", 1024, address + ":80", root, List.of(
        "log_format potluck_lan '$remote_addr $status $body_bytes_sent $bytes_sent \"$request\" $request_time';",
        "access_log " + workDir.resolve("access.log") + " potluck_lan;"),
        List.of("include " + workDir.resolve("faults.conf") + ";"));
    Process process = NginxProcess.launch(cleanup, box.command(NginxProcess.command(binary, workDir)), workDir);
    Upstream upstream = new Upstream(process, workDir, "http://" + address, cleanup);
    try {
      upstream.awaitReady(probeFrom, probePath, readyTimeout);
    } catch (IOException | InterruptedException | TimeoutException | RuntimeException e) {
      upstream.close();
      throw e;
    }
    return upstream;
  }

  /** {@code http://ADDRESS} */
  public String baseUrl() {
    return baseUrl;
  }

  public long pid() {
    return process.pid();
  }

  public Path accessLog() {
    return accessLog;
  }

  /** How long the access log is now: where the lines of what comes next will start. */
  public long logOffset() throws IOException {
    return Files.exists(accessLog) ? Files.size(accessLog) : 0;
  }

  /** The access-log lines written from {@code offset} on. */
  public List<Entry> entriesSince(long offset) throws IOException {
    List<Entry> entries = new ArrayList<>();
    byte[] bytes;
    try (RandomAccessFile file = new RandomAccessFile(accessLog.toFile(), "r")) {
      long length = file.length() - offset;
      bytes = new byte[(int) Math.max(0, length)];
      file.seek(offset);
      file.readFully(bytes);
    }
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      Matcher m = LOG_LINE.matcher(line.trim());
      if (!m.matches()) {
        throw new IOException("unexpected access-log line: " + line);
      }
      entries.add(new Entry(m.group(1), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
          m.group(5), m.group(6)));
    }
    return entries;
  }

  private void awaitReady(Namespace probeFrom, String probePath, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("nginx exited with status " + process.exitValue() + ":\n" + logs());
      }
      Namespace.Result r = probeFrom.run(cleanup, Duration.ofSeconds(10), "curl", "-s", "-o", "/dev/null", "-I",
          "--noproxy", "*", "--max-time", "3", "-w", "%{http_code}", baseUrl + "/" + probePath);
      if (r.output().trim().equals("200")) {
        return;
      }
      last = "curl exit " + r.exitCode() + ", status " + r.output().trim();
      try {
        process.onExit().get(100, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException stillRunning) {
        // try again
      }
    }
    throw new TimeoutException("nginx was not ready within " + timeout + " (" + last + "):\n" + logs());
  }

  private String logs() {
    return NginxProcess.logs(workDir);
  }

  /**
   * From now on answers every request with a 503 ({@code true}), or serves files again ({@code false}):
   * nginx re-reads its configuration on SIGHUP, finishing what its old workers were sending.
   */
  public void answer503(boolean on) throws IOException, InterruptedException {
    Files.writeString(workDir.resolve("faults.conf"), on ? "return 503;\n" : "");
    Namespace.mustRoot(cleanup, Duration.ofSeconds(10), "kill", "-HUP", Long.toString(process.pid()));
    // The new workers take over within milliseconds; give them a moment so the switch is in place.
    Thread.sleep(300);
  }

  /** SIGTERM to the master, then SIGKILL to it and any worker still alive. */
  @Override
  public void close() {
    cleanup.stop(process, 10_000);
  }
}
