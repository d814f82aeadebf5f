package dev.potluck.node.trust;

/**
 * An authority's word on a local file offered to the LAN ({@code --import}).
 *
 * @param vouched whether a verified list has exactly its bytes; false when a list names the file with
 *     other bytes (a file changed or damaged since it was downloaded, or from another repository)
 * @param source the list, for messages
 */
public record FileVerdict(boolean vouched, String source) {}
