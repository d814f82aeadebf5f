package dev.potluck.node.cli;

/**
 * The apt configuration that sends apt's http downloads through the local node. With the package's
 * helper it fails open: apt runs the helper once per host it fetches from, the helper prints the node's
 * proxy URL when the node accepts connections and {@code DIRECT} when not, so a stopped node never
 * stops apt. Without the helper (a node run from a checkout) it is a plain proxy line.
 */
public final class AptSnippet {

  /** Where {@code potluck setup apt --write} puts it; the package installs it there commented out. */
  public static final String DEFAULT_FILE = "/etc/apt/apt.conf.d/30potluck";

  /** The package's auto-detect helper. */
  public static final String DEFAULT_HELPER = "/usr/share/potluck/apt-proxy-detect";

  private AptSnippet() {}

  /** The fail-open snippet, naming {@code helper}; commented out unless {@code enabled}. */
  public static String autoDetect(String helper, boolean enabled) {
    return header(enabled)
        + "// The helper prints the local node's proxy URL when the node answers, else DIRECT (fail-open).\n"
        + (enabled ? "" : "// ") + "Acquire::http::Proxy-Auto-Detect \"" + helper + "\";\n";
  }

  /** A plain proxy line: apt fails while the node is down. */
  public static String proxy(String nodeUrl, boolean enabled) {
    String url = nodeUrl.endsWith("/") ? nodeUrl : nodeUrl + "/";
    return header(enabled) + (enabled ? "" : "// ") + "Acquire::http::Proxy \"" + url + "\";\n";
  }

  private static String header(boolean enabled) {
    return "// Potluck: apt downloads http repositories through the local Potluck node, which shares them\n"
        + "// with the other nodes of the LAN.\n"
        + (enabled
            ? "// Written by 'potluck setup apt --write'. Delete this file to stop.\n"
            : "// Off: 'potluck setup apt --write' turns it on (or remove the '// ' below by hand).\n");
  }
}
