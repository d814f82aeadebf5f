package dev.potluck.node.trust.apt;

import dev.potluck.protocol.Sha256;

/**
 * An index file a Release file vouches for, by the line of its {@code SHA256:} section.
 *
 * @param path relative to the directory of the Release file, e.g. {@code main/binary-amd64/Packages.xz}
 * @param sha256 its digest
 * @param size its length in bytes
 */
public record IndexFile(String path, Sha256 sha256, long size) {}
