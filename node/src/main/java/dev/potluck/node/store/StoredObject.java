package dev.potluck.node.store;

import dev.potluck.protocol.ObjectKey;
import java.nio.file.Path;

/** A complete object in the store: its bytes at {@code data}, described by {@code meta}. */
public record StoredObject(ObjectKey key, Path data, ObjectMeta meta) {
  public long size() {
    return meta.size();
  }
}
