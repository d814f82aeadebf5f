package dev.potluck.node.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A repository's mirror as the internet serves it: nginx in a network namespace of its own, behind a
 * link shaped by {@code tc} (htb on the namespace's {@code e0}, so what it sends is paced as a WAN
 * link paces it), logging every request with the client's address, its start time and its status. A
 * test counts in that log how often each file crossed the upstream link, and who fetched it.
 */
final class NginxOrigin implements AutoCloseable {

  static final int PORT = 8080;
  private static final String NGINX = "/usr/sbin/nginx";

  /** One request as nginx logged it; {@code startMillis} is when nginx read the request. */
  record Request(String client, String method, String path, int status, long startMillis) {}

  private final String address;
  private final Path dir;
  private final Process process;

  private NginxOrigin(String address, Path dir, Process process) {
    this.address = address;
    this.dir = dir;
    this.process = process;
  }

  /** Skips the calling test unless nginx and tc are here. */
  static void assumeInstalled() throws InterruptedException {
    assumeTrue(Files.isExecutable(Path.of(NGINX)), "the test's origin is nginx (Debian package nginx-light); "
        + NGINX + " is missing");
    assumeTrue(NamespaceNode.runs("tc", "-V"), "the origin's link is shaped with tc (Debian package iproute2);"
        + " tc is not on PATH");
  }

  /**
   * Serves {@code root} on {@code address:8080} inside {@code namespace}, whose interface {@code e0} is
   * shaped to {@code rate} (tc's spelling: {@code 40mbit}); returns once it answers.
   */
  static NginxOrigin start(String namespace, String address, Path root, String rate, Path workDir) throws Exception {
    assumeInstalled();
    Path dir = Files.createDirectories(workDir.resolve("nginx-" + namespace));
    for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      Files.createDirectories(dir.resolve("temp").resolve(temp));
    }
    // $msec is when the response ended, $request_time how long it took: their difference is its start.
    Files.writeString(dir.resolve("nginx.conf"), """
        worker_processes 1;
        daemon off;
        master_process on;
        user root;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 256; }
        http {
          log_format counted '$remote_addr $request_method $uri $status $msec $request_time';
          access_log %1$s/access.log counted;
          log_not_found off;
          sendfile on;
          keepalive_timeout 120s;
          default_type application/octet-stream;
          client_body_temp_path %1$s/temp/client_body;
          proxy_temp_path %1$s/temp/proxy;
          fastcgi_temp_path %1$s/temp/fastcgi;
          uwsgi_temp_path %1$s/temp/uwsgi;
          scgi_temp_path %1$s/temp/scgi;
          server {
            listen %2$s:%3$d;
            root %4$s;
            location / { }
          }
        }
        """.formatted(dir, address, PORT, root));
    mustIn(namespace, "tc", "qdisc", "replace", "dev", "e0", "root", "handle", "1:", "htb", "default", "1");
    mustIn(namespace, "tc", "class", "add", "dev", "e0", "parent", "1:", "classid", "1:1", "htb", "rate", rate,
        "ceil", rate, "quantum", "60000");
    Process process = new ProcessBuilder(NetworkNamespaces.in(namespace, List.of(NGINX, "-p", dir + "/", "-c",
        dir.resolve("nginx.conf").toString(), "-e", dir.resolve("error.log").toString())))
        .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    NginxOrigin origin = new NginxOrigin(address, dir, process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!NamespaceNode.runs(NetworkNamespaces.in(namespace, List.of("curl", "-s", "-o", "/dev/null", "--noproxy",
        "*", "--max-time", "2", origin.url())).toArray(String[]::new))) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        origin.close();
        throw new AssertionError("nginx did not start:\n" + origin.logs());
      }
      Thread.sleep(100);
    }
    return origin;
  }

  /** The base URL, with a trailing slash. */
  String url() {
    return "http://" + address + ":" + PORT + "/";
  }

  List<Request> requests() throws IOException {
    Path log = dir.resolve("access.log");
    List<Request> out = new ArrayList<>();
    if (!Files.exists(log)) {
      return out;
    }
    for (String line : Files.readAllLines(log)) {
      String[] f = line.split(" ");
      // Not its own requests: the start-up probe.
      if (f.length == 6 && !f[0].equals(address)) {
        long end = Math.round(Double.parseDouble(f[4]) * 1000);
        long took = Math.round(Double.parseDouble(f[5]) * 1000);
        out.add(new Request(f[0], f[1], f[2], Integer.parseInt(f[3]), end - took));
      }
    }
    return out;
  }

  /** The clients, by address, of the GETs of {@code path} answered 200 or 206. */
  List<String> getsBy(String path) throws IOException {
    return requests().stream()
        .filter(r -> r.method().equals("GET") && r.path().equals(path) && (r.status() == 200 || r.status() == 206))
        .map(Request::client).toList();
  }

  /** Requests per method, path and status, e.g. {@code GET /repo/x.rpm 200=1}, sorted. */
  TreeMap<String, Long> counts() throws IOException {
    return requests().stream().collect(Collectors.groupingBy(r -> r.method() + " " + r.path() + " " + r.status(),
        TreeMap::new, Collectors.counting()));
  }

  String logs() {
    StringBuilder out = new StringBuilder();
    for (String name : List.of("stdout.log", "error.log")) {
      try {
        out.append(Files.readString(dir.resolve(name)));
      } catch (IOException notWritten) {
        // nothing to show
      }
    }
    return out.toString();
  }

  private static void mustIn(String namespace, String... command) throws Exception {
    NetworkNamespaces.Result r = NetworkNamespaces.run(NetworkNamespaces.in(namespace, List.of(command)));
    if (r.exitCode() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + r.output());
    }
  }

  @Override
  public void close() throws InterruptedException {
    // SIGTERM: nginx's fast shutdown, workers included; the namespace goes with the test.
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
