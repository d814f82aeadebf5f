package dev.potluck.node.trust;

import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every authority this node has, asked best first: repositories' signed metadata, then
 * self-certifying names. What none of them vouches for is trusted only on this node's own fetch.
 * Thread-safe.
 */
public final class Authorities {

  private static final Logger log = LoggerFactory.getLogger(Authorities.class);

  /** Only self-certifying names: a node that knows no repository keys. */
  public static final Authorities CONTENT_NAMES_ONLY = new Authorities(List.of());

  private final List<MetadataAuthority> repositories;

  public Authorities(List<MetadataAuthority> repositories) {
    this.repositories = List.copyOf(repositories);
  }

  /** What {@code url}'s bytes must be, by the best authority that knows; null when none does. */
  /**
   * What the repositories' verified lists say of a local file (see {@link MetadataAuthority#judgeFile}):
   * one that vouches for its bytes wins; else one that lists the name with other bytes; else null.
   */
  public FileVerdict judgeFile(String fileName, Sha256 sha256, long size) {
    FileVerdict mismatch = null;
    for (MetadataAuthority repository : repositories) {
      FileVerdict verdict = repository.judgeFile(fileName, sha256, size);
      if (verdict != null && verdict.vouched()) {
        return verdict;
      }
      if (verdict != null && mismatch == null) {
        mismatch = verdict;
      }
    }
    return mismatch;
  }

  public Expectation lookup(CanonicalUrl url) {
    for (MetadataAuthority repository : repositories) {
      Expectation e = repository.lookup(url);
      if (e != null) {
        return e;
      }
    }
    return ContentNames.expectationFor(url);
  }

  /** This node stored {@code url} from upstream: each repository format learns from it. Worker thread. */
  public void observe(CanonicalUrl url, Path file, Sha256 sha256) {
    for (MetadataAuthority repository : repositories) {
      try {
        repository.observe(url, file, sha256);
      } catch (RuntimeException e) {
        log.warn("could not learn from {}: {}", url, e.toString());
      }
    }
  }

  /** Whether some authority can check another member's copy of {@code url}'s mutable metadata. */
  public boolean checksCopiesOf(CanonicalUrl url) {
    return repositories.stream().anyMatch(r -> r.checksCopiesOf(url));
  }

  /**
   * Another member's copy {@code body} of {@code url}'s mutable metadata, checked by the authority that
   * knows that kind of file (unusable when none does). Worker thread.
   */
  public CopyCheck checkCopy(CanonicalUrl url, byte[] body) {
    for (MetadataAuthority repository : repositories) {
      if (repository.checksCopiesOf(url)) {
        try {
          return repository.checkCopy(url, body);
        } catch (RuntimeException e) {
          return CopyCheck.unusable("could not be checked: " + e);
        }
      }
    }
    return CopyCheck.unusable("no authority checks copies of " + url);
  }

  /** What this node should hold before serving the signed metadata at {@code url} (see {@link MetadataAuthority}). */
  public List<CanonicalUrl> indexesToRenew(CanonicalUrl url) {
    List<CanonicalUrl> out = new ArrayList<>();
    repositories.forEach(r -> out.addAll(r.indexesToRenew(url)));
    return out;
  }

  /** The repository format of type {@code type}, if this node has it. */
  public <T extends MetadataAuthority> java.util.Optional<T> of(Class<T> type) {
    return repositories.stream().filter(type::isInstance).map(type::cast).findFirst();
  }

  /** Why some repositories' metadata is not used as an authority. */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    repositories.forEach(r -> out.addAll(r.problems()));
    return out;
  }
}
