package dev.potluck.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.NodeId;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdentityTest {

  @TempDir Path dir;

  @Test
  void loadOrCreate_sameIdAfterRestart() throws Exception {
    NodeId first = NodeIdentity.loadOrCreate(dir);
    assertEquals(first, NodeIdentity.loadOrCreate(dir));
    assertEquals(first.hex(), Files.readString(dir.resolve(NodeIdentity.FILE)).strip());
  }

  @Test
  void loadOrCreate_differentFoldersDifferentIds() throws Exception {
    assertNotEquals(NodeIdentity.loadOrCreate(dir.resolve("a")), NodeIdentity.loadOrCreate(dir.resolve("b")));
  }

  @Test
  void loadOrCreate_damagedFileReplaced() throws Exception {
    Files.writeString(dir.resolve(NodeIdentity.FILE), "not an id\n");
    NodeId id = NodeIdentity.loadOrCreate(dir);
    assertEquals(id, NodeIdentity.loadOrCreate(dir));
    assertTrue(Files.readString(dir.resolve(NodeIdentity.FILE)).startsWith(id.hex()));
  }
}
