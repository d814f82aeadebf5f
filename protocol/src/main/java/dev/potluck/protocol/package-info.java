/**
 * Potluck's wire contracts: what nodes call objects ({@link dev.potluck.protocol.ObjectKey}), how they
 * spell URLs ({@link dev.potluck.protocol.CanonicalUrl}) and digests ({@link dev.potluck.protocol.Sha256}).
 * Pure Java; nothing here performs I/O.
 */
package dev.potluck.protocol;
