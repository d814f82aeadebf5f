package dev.potluck.node.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The installed package's node, started as potluck.service starts it ({@code /usr/bin/potluck node
 * --config /etc/potluck/potluck.conf}, as the package's user, with a clean environment) inside a
 * network namespace. Its stderr goes to a file whose device and inode JOURNAL_STREAM names, so the
 * node logs as it would to the journal.
 */
final class PackagedNode {

  private PackagedNode() {}

  /**
   * @param ownCache a folder bind-mounted over /var/cache/potluck for this node alone (each host of a
   *     LAN has its own disk), or null to use the installed one
   * @param flags added after {@code --config}, as an admin would on ExecStart=
   */
  static NamespaceNode start(String namespace, Path log, Path ownCache, String... flags) throws IOException {
    Files.deleteIfExists(log);
    Files.createFile(log);
    Map<String, Object> id = Files.readAttributes(log, "unix:dev,ino");
    List<String> node = new ArrayList<>(List.of("setpriv", "--reuid=potluck", "--regid=potluck", "--init-groups",
        "env", "-i", "PATH=/usr/bin:/bin", "JOURNAL_STREAM=" + id.get("dev") + ":" + id.get("ino"),
        "/usr/bin/potluck", "node", "--config", "/etc/potluck/potluck.conf"));
    node.addAll(List.of(flags));
    List<String> command = new ArrayList<>();
    if (ownCache != null) {
      // 'ip netns exec' gives the command a mount namespace of its own: the bind mount stays inside it.
      command.addAll(List.of("sh", "-c", "mount --bind \"$0\" /var/cache/potluck && exec \"$@\"", ownCache.toString()));
    }
    command.addAll(node);
    return NamespaceNode.run(namespace, log, command, Map.of());
  }

  /** A folder that the package's user can use as a cache, under {@code parent}. */
  static Path cacheFolder(Path parent, String name) throws Exception {
    Path dir = Files.createDirectories(parent.resolve(name));
    DebianPackage.must(List.of("chown", "potluck:potluck", dir.toString()), "chown " + dir);
    return dir;
  }
}
