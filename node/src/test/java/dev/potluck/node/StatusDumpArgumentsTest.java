package dev.potluck.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How {@code status} and {@code dump} fail on bad arguments and with no node to ask. */
class StatusDumpArgumentsTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @ParameterizedTest
  @ValueSource(strings = {"status", "dump"})
  void malformedUrl_exit2_messageNamesTheOption(String command) {
    assertEquals(2, run(command, "--node", "localhost"));
    assertEquals("potluck: --node: 'localhost' is not a URL; did you mean http://localhost ?\n", err.toString());
    assertEquals("", out.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"status", "dump"})
  void unknownOption_exit2_withUsage(String command) {
    assertEquals(2, run(command, "--bogus"));
    assertTrue(err.toString().startsWith("Unknown option: '--bogus'\nUsage: potluck " + command), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"status", "dump"})
  void noNodeListening_exit1_saysSoAndHowToStartOne(String command) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    assertEquals(1, run(command, "--node", "http://127.0.0.1:" + port));
    assertEquals("potluck " + command + ": no Potluck node answers at http://127.0.0.1:" + port
        + " (connection refused); start one with 'potluck node', or give its address with --node URL\n", err.toString());
    assertEquals("", out.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"node", "status", "dump"})
  void version_printedByEveryCommand(String command) {
    assertEquals(0, run(command, "-V"));
    assertEquals("potluck " + Version.current() + "\ncommit " + Version.commit() + "\njava "
        + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ", "
        + System.getProperty("java.vm.name") + ")\n", out.toString());
  }

  @Test
  void version_namesTheBuildsCommit_whenBuiltFromGit() {
    // The build fills build.properties from git; only a build outside a checkout says "unknown".
    assertTrue(Version.commit().matches("[0-9a-f]{7,40}|unknown"), Version.commit());
    assertFalse(Version.current().startsWith("${"), Version.current());
  }

  private int run(String... args) {
    return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }
}
