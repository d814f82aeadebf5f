package dev.potluck.node.trust;

import dev.potluck.node.cache.LocalCache;
import dev.potluck.node.trust.apt.AptAuthority;
import dev.potluck.node.trust.apt.AptSources;
import dev.potluck.protocol.CanonicalUrl;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a package is asked for from a repository this host's apt uses, but the node has not seen that
 * repository's metadata (apt read its lists before the node ran, or without it), the node fetches the
 * {@code InRelease} and the {@code Packages} indexes itself, through its own cache, and verifies them,
 * rather than fall back to trusting its own fetch of the package. The request waits for that, at most
 * {@link #WAIT_MILLIS}; each suite is tried at most once per {@link #RETRY_MILLIS}.
 *
 * <p>Confined to the node's context, like the cache.
 */
public final class AptMetadataFinder implements LocalCache.AuthorityFinder {

  private static final Logger log = LoggerFactory.getLogger(AptMetadataFinder.class);

  static final long WAIT_MILLIS = 20_000;
  static final long RETRY_MILLIS = 5 * 60_000;

  private record Attempt(Future<Void> done, long at) {}

  private final Vertx vertx;
  private final LocalCache cache;
  private final AptAuthority apt;
  private final List<AptSources.Entry> entries;
  private final List<String> archs;
  private final LongSupplier clock;
  private final Map<String, Attempt> attempts = new HashMap<>();

  public AptMetadataFinder(Vertx vertx, LocalCache cache, AptAuthority apt, List<AptSources.Entry> entries,
      List<String> archs, LongSupplier clock) {
    this.vertx = vertx;
    this.cache = cache;
    this.apt = apt;
    this.entries = canonical(entries);
    this.archs = List.copyOf(archs);
    this.clock = clock;
  }

  /** The architectures this host's apt fetches: its own, and {@code all}. */
  public static List<String> hostArchitectures() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String debian = switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i686" -> "i386";
      case "arm" -> "armhf";
      default -> arch;
    };
    return debian.isEmpty() ? List.of("all") : List.of(debian, "all");
  }

  @Override
  public Future<Void> find(CanonicalUrl url) {
    String text = url.toString();
    List<Future<Void>> waiting = new ArrayList<>();
    long now = clock.getAsLong();
    for (AptSources.Entry entry : entries) {
      if (!text.startsWith(entry.uri()) || apt.hasRelease(entry.releaseDir())) {
        continue;
      }
      Attempt attempt = attempts.get(entry.releaseDir());
      if (attempt == null || (attempt.done().isComplete() && now - attempt.at() >= RETRY_MILLIS)) {
        attempt = new Attempt(fetch(entry), now);
        attempts.put(entry.releaseDir(), attempt);
      }
      if (!attempt.done().isComplete()) {
        waiting.add(attempt.done());
      }
    }
    if (waiting.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> ready = Promise.promise();
    long timer = vertx.setTimer(WAIT_MILLIS, t -> ready.tryComplete());
    Future.join(waiting).onComplete(ar -> {
      vertx.cancelTimer(timer);
      ready.tryComplete();
    });
    return ready.future();
  }

  /** Fetches and learns {@code entry}'s Release, then its indexes; never fails. */
  private Future<Void> fetch(AptSources.Entry entry) {
    String release = entry.releaseDir() + "InRelease";
    log.info("{} is not known yet: fetching and verifying {} and its package indexes", entry.releaseDir(), release);
    return cache.learn(CanonicalUrl.parse(release)).<Void>compose(v -> {
      List<String> indexes = apt.packagesIndexes(entry, archs);
      if (indexes.isEmpty()) {
        log.info("{} gave no verified package index for {} {}; see /api/v1/status", release, entry.components(), archs);
        return Future.succeededFuture();
      }
      List<Future<Void>> learning = new ArrayList<>();
      for (String index : indexes) {
        learning.add(cache.learn(CanonicalUrl.parse(index)));
      }
      return Future.join(learning).<Void>mapEmpty();
    }).otherwise(e -> {
      log.warn("could not fetch the metadata of {}: {}", entry.releaseDir(), e.getMessage());
      return null;
    });
  }

  private static List<AptSources.Entry> canonical(List<AptSources.Entry> entries) {
    List<AptSources.Entry> out = new ArrayList<>();
    for (AptSources.Entry e : entries) {
      try {
        String uri = CanonicalUrl.parse(e.uri()).toString();
        out.add(new AptSources.Entry(uri.endsWith("/") ? uri : uri + "/", e.suite(), e.components(), e.signedBy()));
      } catch (IllegalArgumentException skipped) {
        // A URI apt would refuse too.
      }
    }
    return out;
  }
}
