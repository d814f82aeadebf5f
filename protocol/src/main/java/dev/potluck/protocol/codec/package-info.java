/**
 * The versioned binary form of {@link dev.potluck.protocol.Message}s:
 * {@link dev.potluck.protocol.codec.MessageCodec} and the one exception decoding may throw,
 * {@link dev.potluck.protocol.codec.MalformedMessageException}.
 */
package dev.potluck.protocol.codec;
