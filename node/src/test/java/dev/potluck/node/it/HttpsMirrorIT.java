package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mirror mode in front of an https upstream: the client speaks plain HTTP to its node, the node speaks
 * TLS upstream and verifies the certificate (here a test CA the node's JVM is told to trust).
 */
class HttpsMirrorIT {

  @TempDir Path work;

  @Test
  void httpsUpstream_servedThroughMirrorAndCached() throws Exception {
    Path keystore = work.resolve("origin.p12");
    String password = "changeit";
    keytool("-genkeypair", "-alias", "origin", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", password, "-keypass", password);
    Path certificate = work.resolve("origin.cer");
    keytool("-exportcert", "-alias", "origin", "-keystore", keystore.toString(), "-storepass", password,
        "-file", certificate.toString());
    Path truststore = work.resolve("trust.p12");
    keytool("-importcert", "-noprompt", "-alias", "origin", "-file", certificate.toString(), "-storetype", "PKCS12",
        "-keystore", truststore.toString(), "-storepass", password);

    byte[] body = new byte[300_000];
    new Random(5).nextBytes(body);
    AtomicInteger requests = new AtomicInteger();
    HttpsServer origin = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    origin.setHttpsConfigurator(new HttpsConfigurator(sslContext(keystore, password.toCharArray())));
    origin.createContext("/debian/pool/s.deb", exchange -> {
      requests.incrementAndGet();
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    origin.start();
    try (NodeProcess node = NodeProcess.start(work, NodeProcess.freePort(),
        List.of("-Djavax.net.ssl.trustStore=" + truststore, "-Djavax.net.ssl.trustStorePassword=" + password,
            "-Djavax.net.ssl.trustStoreType=PKCS12"),
        "--cache-dir", work.resolve("cache").toString(),
        "--mirror", "sec=https://127.0.0.1:" + origin.getAddress().getPort() + "/debian")) {
      HttpClient client = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + node.port() + "/mirror/sec/pool/s.deb");
      HttpResponse<byte[]> first = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, first.statusCode(), new String(first.body()));
      assertArrayEquals(body, first.body());
      awaitCommitted(client, node.port());
      HttpResponse<byte[]> second = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals("hit", second.headers().firstValue("X-Potluck-Cache").orElse(null));
      assertArrayEquals(body, second.body());
      assertEquals(1, requests.get());
    } finally {
      origin.stop(0);
    }
  }

  @Test
  void untrustedCertificate_refusedWith502() throws Exception {
    Path keystore = work.resolve("rogue.p12");
    keytool("-genkeypair", "-alias", "rogue", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit");
    HttpsServer origin = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    origin.setHttpsConfigurator(new HttpsConfigurator(sslContext(keystore, "changeit".toCharArray())));
    origin.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, 2);
      exchange.getResponseBody().write("no".getBytes());
      exchange.close();
    });
    origin.start();
    try (NodeProcess node = NodeProcess.start(work, NodeProcess.freePort(), List.of(),
        "--cache-dir", work.resolve("cache").toString(),
        "--mirror", "rogue=https://127.0.0.1:" + origin.getAddress().getPort() + "/")) {
      HttpResponse<String> answer = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/mirror/rogue/x.deb")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(502, answer.statusCode());
      assertTrue(answer.body().contains("127.0.0.1"), answer.body());
    } finally {
      origin.stop(0);
    }
  }

  private static void awaitCommitted(HttpClient client, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      if (status.contains("\"activeFetches\" : 0")) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the fetch did not settle within 30 s");
  }

  private static SSLContext sslContext(Path keystore, char[] password) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(keystore.toFile())) {
      ks.load(in, password);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("keytool " + String.join(" ", args) + " failed:\n" + out);
    }
  }
}
