package dev.potluck.bench.lan;

import dev.potluck.bench.harness.CpuAccount;
import dev.potluck.bench.harness.RssSampler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The usual answer to "every host downloads the same packages": one central caching proxy,
 * apt-cacher-ng (Debian's package), on host 1, which every host's client (host 1's included) uses as
 * its HTTP proxy. It runs in the foreground with a configuration of its own (no remapping to public
 * mirrors, so it only ever fetches from the benchmark's upstream), its cache, logs and socket in the
 * work directory, bound to host 1's LAN address. Its port is host 1's shaped LAN port, so it serves
 * the other hosts at that rate.
 */
public final class ProxySystem implements LanSystem {

  /** The port apt-cacher-ng listens on (its usual one). */
  static final int PORT = 3142;

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final Path binary;
  private Context context;
  private Process process;
  private Path dir;
  private double cpuBefore;

  public ProxySystem(Path binary) {
    this.binary = binary;
  }

  @Override
  public String name() {
    return "proxy";
  }

  @Override
  public void start(Context context) throws IOException, InterruptedException, TimeoutException {
    this.context = context;
    dir = Files.createDirectories(context.workDir().resolve("apt-cacher-ng"));
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.createDirectories(dir.resolve("cache"));
    Files.createDirectories(dir.resolve("log"));
    Files.writeString(conf.resolve("acng.conf"), String.join("\n",
        "CacheDir: " + dir.resolve("cache"),
        "LogDir: " + dir.resolve("log"),
        "SupportDir: /usr/lib/apt-cacher-ng",
        "Port: " + PORT,
        "BindAddress: " + address(),
        "SocketPath: " + dir.resolve("socket"),
        "PidFile: " + dir.resolve("pid"),
        "ExThreshold: 4",
        // Upstream is the benchmark's nginx on port 80: nothing else may be asked for.
        "AllowUserPorts: 80",
        ""), StandardCharsets.UTF_8);
    ProcessBuilder pb = new ProcessBuilder(context.lan().hosts().get(0).command(
        List.of(binary.toString(), "-c", conf.toString(), "ForeGround=1")))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    for (String v : List.of("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY")) {
      pb.environment().remove(v);
    }
    process = pb.start();
    context.cleanup().register(process);
    awaitReady();
  }

  /** Host 1's LAN address, where apt-cacher-ng listens. */
  private static String address() {
    return Lan.address(1);
  }

  private void awaitReady() throws IOException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("apt-cacher-ng exited with status " + process.exitValue() + ":\n" + output());
      }
      // Any HTTP answer means it listens (a plain GET of / gets an error page: it is no web server).
      Namespace.Result r = context.lan().hosts().get(0).run(context.cleanup(), Duration.ofSeconds(10), "curl", "-s",
          "-o", "/dev/null", "--noproxy", "*", "--max-time", "3", "-w", "%{http_code}", proxyFor(1) + "/");
      if (r.output().trim().matches("[1-5][0-9][0-9]")) {
        return;
      }
      last = "curl exit " + r.exitCode() + ", status " + r.output().trim();
      try {
        process.onExit().get(100, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException stillRunning) {
        // try again
      }
    }
    throw new TimeoutException("apt-cacher-ng was not ready within " + READY_TIMEOUT + " (" + last + "):\n" + output());
  }

  private String output() {
    try {
      return Files.readString(dir.resolve("stdout.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  @Override
  public String proxyFor(int host) {
    return "http://" + address() + ":" + PORT;
  }

  @Override
  public void beforeWorkload() {
    cpuBefore = CpuAccount.secondsOf(process.pid());
  }

  @Override
  public Report afterWorkload() throws IOException {
    long hwm = RssSampler.read(process.pid())[1];
    Map<String, Long> rss = new LinkedHashMap<>();
    rss.put("apt-cacher-ng", hwm);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("pid", process.pid());
    details.put("host", 1);
    // apt-cacher-ng keeps no account of uploads per host: the benchmark's interface counters do.
    return new Report(null, null,
        CpuAccount.secondsOf(process.pid()) - cpuBefore, rss, details);
  }

  @Override
  public List<Path> logs() {
    return dir == null ? List.of() : List.of(dir.resolve("stdout.log"), dir.resolve("log").resolve("apt-cacher.log"),
        dir.resolve("log").resolve("apt-cacher.err"));
  }

  @Override
  public void close() {
    if (context != null && process != null) {
      context.cleanup().stop(process, 5_000);
    }
  }
}
