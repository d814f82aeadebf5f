package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jgroups.BytesMessage;
import org.jgroups.Version;
import org.jgroups.blocks.cs.Connection;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stranger that opens connections to a node's group port and declares huge frames cannot grow its heap:
 * the transport refuses a frame above its cap before allocating for it. Each frame here is a well-formed
 * JGroups connection header and message whose payload declares 100 MB: without the cap, the node allocates
 * the payload's array and blocks reading into it, so every such connection pins 100 MB.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FrameCapIT {

  private static final int CONNECTIONS = 20;
  private static final int DECLARED_PAYLOAD = 100_000_000;
  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  @Test
  void hugeDeclaredFrames_areRefused_nodeKeepsServing_heapStaysFlat() throws Exception {
    int clusterPort = NodeProcess.freePort();
    try (NodeProcess node = NodeProcess.start(dir, NodeProcess.freePort(), List.of("-Xmx512m"),
        "--cache-dir", dir.resolve("cache").toString(), "--bind", "127.0.0.1", "--no-mdns", "--peer-port", "0",
        "--cluster-port", Integer.toString(clusterPort), "--cluster", "frame-cap-" + Long.toHexString(System.nanoTime()))) {
      long before = usedHeapAfterGc(node.pid());

      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < CONNECTIONS; i++) {
          Socket socket = new Socket(InetAddress.getLoopbackAddress(), clusterPort);
          sockets.add(socket);
          OutputStream out = socket.getOutputStream();
          out.write(connectionHeader(new IpAddress("127.0.0.1", 40_000 + i)));
          out.write(frameDeclaring(DECLARED_PAYLOAD));
          out.flush();
        }
        Thread.sleep(2_000); // let the node's receiver threads read what was sent
        assertTrue(node.isAlive(), "the node died:\n" + node.output());
        assertEquals(1, node.status().getJsonObject("cluster").getJsonArray("members").size(), "still serving, alone");
        long after = usedHeapAfterGc(node.pid());
        long growth = after - before;
        System.out.printf("[figure] frame cap: %d connections each declaring a %d-byte payload; used heap after"
            + " full GC %d KiB before, %d KiB after (growth %d KiB)%n", CONNECTIONS, DECLARED_PAYLOAD,
            before / 1024, after / 1024, growth / 1024);
        assertTrue(growth < 64 * MIB, "used heap grew by " + growth / MIB + " MiB");
      } finally {
        for (Socket socket : sockets) {
          socket.close();
        }
      }
    }
  }

  /** What a JGroups TCP peer sends first: cookie, version, and its own address (TcpConnection.sendLocalAddress). */
  private static byte[] connectionHeader(IpAddress self) throws Exception {
    ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64);
    out.write(Connection.cookie, 0, Connection.cookie.length);
    out.writeShort(Version.version);
    out.writeShort(self.serializedSize());
    self.writeTo(out);
    return java.util.Arrays.copyOf(out.buffer(), out.position());
  }

  /**
   * A frame as TP writes one (length, version, flags, message type, message), whose message is a
   * BytesMessage with a payload length of {@code payload}; the payload itself is never sent.
   */
  private static byte[] frameDeclaring(int payload) throws Exception {
    BytesMessage message = new BytesMessage(null, new byte[0]);
    ByteArrayDataOutputStream body = new ByteArrayDataOutputStream(128);
    body.writeShort(Version.version);
    body.writeByte(0); // a single message, unicast
    body.writeShort(message.getType());
    message.writeTo(body);
    byte[] bytes = java.util.Arrays.copyOf(body.buffer(), body.position());
    // BytesMessage ends with its payload's length (0 here): declare the huge payload instead.
    java.nio.ByteBuffer.wrap(bytes).putInt(bytes.length - 4, payload);
    java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(frame);
    data.writeInt(bytes.length + payload);
    data.write(bytes);
    return frame.toByteArray();
  }

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  /** The node's used heap, in bytes, right after a full collection (jcmd GC.run, then GC.heap_info). */
  private static long usedHeapAfterGc(long pid) throws Exception {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = USED.matcher(info);
    assertTrue(m.find(), "no used heap in: " + info);
    return Long.parseLong(m.group(1)) * 1024;
  }

  private static String jcmd(long pid, String command) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "jcmd " + command + " hung");
    assertEquals(0, process.exitValue(), "jcmd " + command + ": " + output);
    return output;
  }
}
