package dev.potluck.node.store;

import dev.potluck.protocol.NodeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's stable id, kept in its cache folder: drawn once, the same after every restart, so the
 * cluster's key ownership (rendezvous hashing over node ids) does not reshuffle when a node restarts.
 */
public final class NodeIdentity {

  private static final Logger log = LoggerFactory.getLogger(NodeIdentity.class);
  static final String FILE = "node-id";

  private NodeIdentity() {}

  /** Reads {@code dir/node-id}, or draws a new id and writes it there; a damaged file is replaced. */
  public static NodeId loadOrCreate(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (Files.exists(file)) {
      String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
      try {
        return NodeId.parse(text);
      } catch (IllegalArgumentException e) {
        log.warn("replacing the unreadable node id in {}: {}", file, e.getMessage());
      }
    }
    NodeId id = NodeId.random(new SecureRandom());
    Files.createDirectories(dir);
    Path temp = dir.resolve(FILE + ".tmp");
    Files.writeString(temp, id.hex() + "\n", StandardCharsets.US_ASCII);
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return id;
  }
}
