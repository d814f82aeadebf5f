/**
 * Potluck's wire contracts: what nodes call objects ({@link dev.potluck.protocol.ObjectKey}), how they
 * spell URLs ({@link dev.potluck.protocol.CanonicalUrl}) and digests ({@link dev.potluck.protocol.Sha256}),
 * who they are ({@link dev.potluck.protocol.NodeId}) and what they say to each other
 * ({@link dev.potluck.protocol.Message}, written by {@code codec.MessageCodec}).
 * Pure Java; nothing here performs I/O.
 */
package dev.potluck.protocol;
