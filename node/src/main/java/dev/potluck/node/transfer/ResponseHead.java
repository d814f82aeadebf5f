package dev.potluck.node.transfer;

/**
 * The upstream headers a transfer's readers repeat to their clients.
 *
 * @param length the body's length, or -1 when upstream sent none (then clients get it chunked)
 */
public record ResponseHead(long length, String contentType, String etag, String lastModified) {}
