package dev.potluck.node.trust.apt;

import dev.potluck.protocol.Sha256;

/**
 * What a Packages stanza says about one package file.
 *
 * @param filename relative to the repository root, e.g. {@code pool/main/h/hello/hello_2.10-3_amd64.deb}
 * @param sha256 its digest
 * @param size its length in bytes
 */
public record PackageEntry(String filename, Sha256 sha256, long size) {}
