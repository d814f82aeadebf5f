package dev.potluck.scheduler;

import dev.potluck.protocol.Message;
import dev.potluck.protocol.NodeId;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.util.List;

/** What the scheduler asks its node to do. The node performs actions; it decides nothing itself. */
public sealed interface Action {

  /** Send {@code message} to one member. */
  record Send(NodeId to, Message message) implements Action {}

  /** Send {@code message} to every other member. */
  record Broadcast(Message message) implements Action {}

  /**
   * Fetch the object from upstream for local request {@code requestId}. {@code resumeFrom} is what the
   * arbiter last heard this node has (0 for a fresh lease); the node resumes, with a Range request,
   * from the bytes it really has, and stops streaming the object from any peer.
   */
  record FetchUpstream(long requestId, ObjectKey key, String url, long resumeFrom) implements Action {}

  /** Stream the object, still being fetched, from the first source; the rest are fallbacks. */
  record StreamFromPeers(long requestId, ObjectKey key, List<NodeId> sources) implements Action {
    public StreamFromPeers {
      sources = List.copyOf(sources);
    }
  }

  /**
   * The object this node is streaming must have {@code size} and {@code sha256}: the node verifies
   * what it received against them, and only then is the object complete.
   */
  record ExpectDigest(ObjectKey key, long size, Sha256 sha256) implements Action {}

  /** Take the complete object from the first holder, verifying {@code size} and {@code sha256}. */
  record FetchFromHolders(long requestId, ObjectKey key, List<NodeId> holders, long size, Sha256 sha256)
      implements Action {
    public FetchFromHolders {
      holders = List.copyOf(holders);
    }
  }
}
