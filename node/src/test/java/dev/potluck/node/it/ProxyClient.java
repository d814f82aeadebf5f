package dev.potluck.node.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/** A package manager's view of a node: plain HTTP requests through it as a proxy. */
final class ProxyClient {

  /** What came back: status, how the node served it, and the body's size and digest. */
  record Fetched(int status, String cache, long size, String sha256, HttpResponse<?> response) {
    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }
  }

  private final HttpClient client;

  ProxyClient(int nodePort) {
    this.client = HttpClient.newBuilder()
        .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", nodePort)))
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  Fetched get(String url) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  Fetched send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<InputStream> response = client.send(request.timeout(Duration.ofMinutes(2)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    MessageDigest digest = OriginServer.sha256Digest();
    long size = 0;
    try (InputStream body = response.body()) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = body.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, n);
        size += n;
      }
    }
    return new Fetched(response.statusCode(), response.headers().firstValue("X-Potluck-Cache").orElse(null), size,
        HexFormat.of().formatHex(digest.digest()), response);
  }
}
