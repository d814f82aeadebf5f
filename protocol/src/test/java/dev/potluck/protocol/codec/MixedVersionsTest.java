package dev.potluck.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.potluck.protocol.Message;
import org.junit.jupiter.api.Test;

/**
 * What a node of this version does with messages from a newer one in the same cluster: it refuses them
 * as malformed, whole, and reads nothing of them (the node then drops them with a warning and carries
 * on; a peer waiting for its answer times out and fetches upstream). What it understands from a newer
 * node is only what that node writes in this node's format.
 */
class MixedVersionsTest {

  @Test
  void decode_newerFormatVersion_refused_evenWhenTheBodyWouldParse() {
    byte[] frame = MessageCodec.encode(new Message.Drop(Samples.KEY));
    frame[2] = (byte) (MessageCodec.FORMAT_VERSION + 1); // a future layout of a type this node knows

    MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame));

    assertEquals("unsupported format version 2 (this node speaks 1)", e.getMessage());
  }

  @Test
  void decode_newMessageTypeInThisFormat_refusedAsUnknownType() {
    // A newer node may add a type under a new tag without a new format version.
    byte[] frame = Frames.header(200).bytes(Samples.KEY.id()).build();

    MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame));

    assertEquals("unknown message type 200", e.getMessage());
  }

  @Test
  void decode_knownTypeInThisFormat_fromAnyVersion_read() {
    // The messages both versions share keep their bytes, so a newer node's Drop is an older node's Drop.
    Message drop = new Message.Drop(Samples.KEY);

    assertEquals(drop, MessageCodec.decode(MessageCodec.encode(drop)));
  }
}
