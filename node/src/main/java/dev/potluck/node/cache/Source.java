package dev.potluck.node.cache;

import dev.potluck.node.store.StoredObject;
import dev.potluck.node.transfer.Transfer;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** Where a request's answer comes from. */
public sealed interface Source {

  Disposition disposition();

  /** A complete object in the store. */
  record Stored(StoredObject object, Disposition disposition) implements Source {}

  /** A body still arriving; readers follow it as it grows. */
  record Live(Transfer transfer, Disposition disposition) implements Source {}

  /** An upstream answer that is not content (a 404, say), relayed as it came and not stored. */
  record Passthrough(int status, MultiMap headers, Buffer body) implements Source {
    @Override
    public Disposition disposition() {
      return Disposition.PASS;
    }
  }
}
