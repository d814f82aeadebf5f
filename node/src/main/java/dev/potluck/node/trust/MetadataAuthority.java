package dev.potluck.node.trust;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import java.nio.file.Path;
import java.util.List;

/**
 * One package format's chain of trust: it learns from the repository metadata this node fetched
 * itself, verifies it (signatures, then the digests the signed files list), and answers what each
 * file of that repository must be.
 *
 * <p>{@link #lookup} is called on the node's event loop and must be quick; {@link #observe} on a
 * worker thread, and may take long (parsing a large index). Implementations are thread-safe.
 */
public interface MetadataAuthority {

  /** What {@code url}'s bytes must be, or null when this authority knows nothing of it. */
  Expectation lookup(CanonicalUrl url);

  /**
   * This node stored {@code url}'s body, fetched from upstream, at {@code file}: if it is metadata of
   * this format, verify it and learn from it. Never throws for bad metadata: it is reported through
   * {@link #problems}.
   */
  void observe(CanonicalUrl url, Path file, Sha256 sha256);

  /**
   * Whether this authority can check a copy of {@code url}'s mutable metadata that another member
   * supplies ({@link #checkCopy}): apt's InRelease, by its signature. Called on the event loop.
   */
  default boolean checksCopiesOf(CanonicalUrl url) {
    return false;
  }

  /**
   * Checks {@code body}, another member's copy of {@code url}'s mutable metadata, as this node would
   * check its own fetch, and that it is no older than what this node already uses (a replayed,
   * earlier but validly signed file is refused). Worker thread.
   *
   * @return whether the copy may be served and learnt from, and if not, whether the member is to blame
   */
  default CopyCheck checkCopy(CanonicalUrl url, byte[] body) {
    return CopyCheck.unusable("no authority checks copies of " + url);
  }

  /**
   * The files this node should hold before it serves the signed metadata it just stored at {@code url}
   * (apt: the indexes its clients asked for, as the new Release lists them); empty when none.
   */
  default List<CanonicalUrl> indexesToRenew(CanonicalUrl url) {
    return List.of();
  }

  /**
   * What this authority's verified package lists say of a local file ({@code --import}) named
   * {@code fileName}, of {@code size} bytes that hash to {@code sha256}: that a list has exactly these
   * bytes, that a list names the file with other bytes, or nothing (null).
   */
  default FileVerdict judgeFile(String fileName, Sha256 sha256, long size) {
    return null;
  }

  /** Repositories whose metadata failed verification (unknown key, bad signature, expired), with why. */
  List<String> problems();
}
