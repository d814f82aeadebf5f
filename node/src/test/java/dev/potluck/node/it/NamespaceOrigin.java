package dev.potluck.node.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The "internet": a folder served over HTTP by Python's {@code http.server} inside a network namespace
 * of its own, so that nodes in other namespaces reach it across the bridge as they would a mirror. It
 * logs every request with the client's address, so a test can count how often each file crossed the
 * upstream link, and who fetched it. Bodies are paced at a fixed rate, so that a transfer lasts long
 * enough for requests to overlap it.
 */
final class NamespaceOrigin implements AutoCloseable {

  static final int PORT = 8080;

  // GET and HEAD of files, If-Modified-Since answered with 304; no ranges (a range request gets the
  // whole file, which HTTP allows). HTTP/1.1 with persistent connections, as mirrors speak it: with
  // http.server's default, HTTP/1.0 and a close after every body, a node now and then loses the end of
  // a body it was pacing (its fetch fails with "Connection was closed"), which is not what these
  // tests are about.
  private static final String SERVER = """
      import functools, http.server, sys, threading, time
      bind, port, root, log_path, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
      log = open(log_path, "a", buffering=1)
      lock = threading.Lock()
      class Handler(http.server.SimpleHTTPRequestHandler):
          protocol_version = "HTTP/1.1"
          def log_request(self, code="-", size="-"):
              with lock:
                  log.write("%s %s %s %s\\n" % (self.client_address[0], self.command, self.path, code))
          def log_message(self, *args):
              pass
          def list_directory(self, path):
              self.send_error(404)
          def copyfile(self, source, outputfile):
              start, sent = time.monotonic(), 0
              while True:
                  chunk = source.read(64 * 1024)
                  if not chunk:
                      return
                  outputfile.write(chunk)
                  sent += len(chunk)
                  ahead = sent / rate - (time.monotonic() - start)
                  if ahead > 0:
                      time.sleep(ahead)
      server = http.server.ThreadingHTTPServer((bind, port), functools.partial(Handler, directory=root))
      print("serving", flush=True)
      server.serve_forever()
      """;

  /** One request as the origin logged it. */
  record Request(String client, String method, String path, int status) {}

  private final String address;
  private final Process process;
  private final Path log;
  private final Path output;

  private NamespaceOrigin(String address, Process process, Path log, Path output) {
    this.address = address;
    this.process = process;
    this.log = log;
    this.output = output;
  }

  /**
   * Serves {@code root} on {@code address:8080} inside {@code namespace}, each body at {@code rate} bytes
   * a second, and returns once it listens.
   */
  static NamespaceOrigin start(String namespace, String address, Path root, long rate, Path workDir) throws Exception {
    assumeTrue(NamespaceNode.runs("python3", "--version"),
        "the origin server runs python3's http.server; python3 is not on PATH");
    Path script = workDir.resolve("origin.py");
    Files.writeString(script, SERVER);
    Path log = workDir.resolve("origin-requests.log");
    Files.writeString(log, "");
    Path output = workDir.resolve("origin-output.log");
    Process process = new ProcessBuilder(NetworkNamespaces.in(namespace, List.of("python3", script.toString(), address,
        Integer.toString(PORT), root.toString(), log.toString(), Long.toString(rate))))
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    NamespaceOrigin origin = new NamespaceOrigin(address, process, log, output);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.readString(output).contains("serving")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        origin.close();
        throw new AssertionError("the origin server did not start:\n" + Files.readString(output));
      }
      Thread.sleep(50);
    }
    return origin;
  }

  /** The base URL, with a trailing slash. */
  String url() {
    return "http://" + address + ":" + PORT + "/";
  }

  /** The URL of {@code path}, which starts with a slash. */
  String url(String path) {
    return "http://" + address + ":" + PORT + path;
  }

  List<Request> requests() throws IOException {
    List<Request> out = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      String[] f = line.split(" ");
      if (f.length == 4) {
        out.add(new Request(f[0], f[1], f[2], Integer.parseInt(f[3])));
      }
    }
    return out;
  }

  /** How many GETs of {@code path} the origin answered. */
  long gets(String path) throws IOException {
    return requests().stream().filter(r -> r.method().equals("GET") && r.path().equals(path)).count();
  }

  /** Requests per method and path, e.g. {@code GET /pool/main/x.deb=1}, sorted. */
  TreeMap<String, Long> counts() throws IOException {
    return requests().stream().collect(Collectors.groupingBy(r -> r.method() + " " + r.path(), TreeMap::new,
        Collectors.counting()));
  }

  String output() throws IOException {
    return Files.readString(output);
  }

  @Override
  public void close() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
