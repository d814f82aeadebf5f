package dev.potluck.protocol.codec;

/**
 * Bytes that are not a cluster message this node understands. The message says exactly what is wrong
 * and where ({@code "truncated frame: Want.url needs 300 bytes, 12 left"}), so a log line is enough to
 * tell a bug from a stranger or a newer node.
 *
 * <p>Unchecked: a receiver handles it where frames arrive (drop the frame, count it, perhaps suspect
 * the sender); it is the only exception {@link MessageCodec#decode(byte[])} throws for any content.
 *
 * <p>It carries no stack trace: it describes the bytes, not the code, and walking the stack for every
 * junk frame would make refusing junk costly (Kafka's {@code ApiException} makes the same choice). A
 * wrapped cause keeps its own trace.
 */
public final class MalformedMessageException extends RuntimeException {

  public MalformedMessageException(String message) {
    this(message, null);
  }

  public MalformedMessageException(String message, Throwable cause) {
    super(message, cause, true, false);
  }
}
