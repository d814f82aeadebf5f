package dev.potluck.node.trust.rpm;

import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.Expectation;
import dev.potluck.node.trust.MetadataAuthority;
import dev.potluck.node.trust.apt.Decompression;
import dev.potluck.node.trust.apt.OpenPgpVerifier;
import dev.potluck.node.trust.apt.PackageTable;
import dev.potluck.node.trust.apt.TrustedKeys;
import dev.potluck.node.trust.apt.VerificationException;
import dev.potluck.node.trust.apt.VerifiedText;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dnf's chain of trust, followed by the node itself: a {@code repodata/repomd.xml} (checked against its
 * {@code repomd.xml.asc} when this node has seen one, by a key in {@link TrustedKeys}); then the
 * {@code primary} file whose SHA-256 that repomd lists; then each rpm by the {@code sha256} checksum and
 * package size its {@code <package>} entry gives, at its {@code <location>} under the repository root
 * (the folder that holds {@code repodata/}), or under its {@code xml:base}.
 *
 * <p>A repomd without a signature counts as this node's own fetch of the repository's metadata: most
 * rpm repositories sign packages rather than repomd ({@code repo_gpgcheck=0}). Once a repository's
 * {@code repomd.xml.asc} has been seen, every repomd of it must verify against the latest one; a
 * signature that fails, or was made by a key this node does not trust, makes this authority vouch for
 * nothing of that repository and say why in {@link #problems}.
 *
 * <p>It learns only from metadata this node fetched from upstream itself ({@link #observe}), and never
 * vouches for mutable metadata. A primary seen before its repomd waits for it, a bounded number of them.
 *
 * <p>Thread-safe: {@link #observe} runs on worker threads, {@link #lookup} on the event loop. State
 * changes happen under one lock; reading a primary does not hold it.
 */
public final class DnfAuthority implements MetadataAuthority {

  private static final Logger log = LoggerFactory.getLogger(DnfAuthority.class);

  /** The most a repomd.xml or its signature may hold (Fedora's repomd is ~7 KB). */
  static final int MAX_REPOMD_BYTES = 4 << 20;
  /** Primaries seen before their repomd, kept until it is verified; older ones are forgotten. */
  static final int MAX_PENDING = 64;

  private static final String REPODATA = "repodata/";

  /** A repository's repomd, used as an authority: its primary's URL and digest. */
  private record Trusted(Repomd repomd, String primaryUrl, String source, Authority authority) {}

  /** The packages one verified primary lists. */
  private record Listing(PackageTable table, Sha256 primary, String source, Authority authority) {}

  /** One stored file this node fetched. */
  private record Observed(CanonicalUrl url, Path file, Sha256 sha256) {}

  private final OpenPgpVerifier verifier;
  private final Supplier<Instant> clock;
  private final Object lock = new Object();
  // All by repository root (the folder holding repodata/, with a trailing slash). Written under lock.
  private final Map<String, byte[]> repomds = new HashMap<>();
  private final Map<String, byte[]> signatures = new HashMap<>();
  private final Map<String, Trusted> trusted = new HashMap<>();
  private final Map<String, Listing> suspended = new HashMap<>();
  private final LinkedHashMap<String, Observed> pending = new LinkedHashMap<>();
  /** Read by lookup without the lock. */
  private final Map<String, Listing> listings = new ConcurrentHashMap<>();
  private final Map<String, String> problems = new ConcurrentHashMap<>();

  public DnfAuthority(TrustedKeys keys, Supplier<Instant> clock) {
    this.verifier = new OpenPgpVerifier(keys);
    this.clock = clock;
  }

  /** A file in a local cache ({@code --import}): vouched for when a verified package list lists its bytes. */
  @Override
  public dev.potluck.node.trust.FileVerdict judgeFile(String fileName, Sha256 sha256, long size) {
    return PackageTable.judge(listings.values(), Listing::source, Listing::table, fileName, sha256, size);
  }

  @Override
  public Expectation lookup(CanonicalUrl url) {
    String text = url.toString();
    for (Listing listing : listings.values()) {
      PackageTable.Listed listed = listing.table().lookup(text);
      if (listed != null) {
        return new Expectation(listed.sha256(), listed.size(), listing.authority(), listing.source());
      }
    }
    return null;
  }

  @Override
  public void observe(CanonicalUrl url, Path file, Sha256 sha256) {
    String text = url.toString();
    String name = url.fileName();
    String dir = text.substring(0, text.lastIndexOf('/') + 1);
    boolean inRepodata = dir.endsWith("/" + REPODATA);
    String root = inRepodata ? dir.substring(0, dir.length() - REPODATA.length()) : null;
    try {
      if (inRepodata && name.equals("repomd.xml")) {
        byte[] bytes = read(file);
        List<Observed> waiting;
        synchronized (lock) {
          repomds.put(root, bytes);
          waiting = evaluate(root);
        }
        waiting.forEach(this::learnQuietly);
      } else if (inRepodata && name.equals("repomd.xml.asc")) {
        byte[] bytes = read(file);
        List<Observed> waiting;
        synchronized (lock) {
          signatures.put(root, bytes);
          waiting = evaluate(root);
        }
        waiting.forEach(this::learnQuietly);
      } else {
        learnQuietly(new Observed(url, file, sha256));
      }
    } catch (IOException e) {
      log.debug("cannot read {} from the cache: {}", url, e.toString());
    } catch (RepodataException e) {
      refuse(root, text + ": " + e.getMessage());
    }
  }

  @Override
  public List<String> problems() {
    return List.copyOf(problems.values());
  }

  /** How many rpms the verified primaries list, all together (for the status page and tests). */
  public long listedPackages() {
    long n = 0;
    for (Listing l : listings.values()) {
      n += l.table().size();
    }
    return n;
  }

  /**
   * Judges {@code root}'s latest repomd (and signature, if any) again: trusts it or refuses the whole
   * repository. Returns the waiting primaries it now lists. Under the lock.
   */
  private List<Observed> evaluate(String root) {
    byte[] xml = repomds.get(root);
    if (xml == null) {
      return List.of();
    }
    String where = root + REPODATA + "repomd.xml";
    byte[] signature = signatures.get(root);
    String how;
    if (signature == null) {
      how = "repomd.xml unsigned, as this node fetched it";
    } else {
      try {
        VerifiedText verified = verifier.verifyDetached(xml, signature, clock.get());
        how = "repomd.xml signed by key " + verified.keyIdHex();
      } catch (VerificationException e) {
        refuseLocked(root, where + ": " + e.getMessage() + " (checked against " + where + ".asc)");
        return List.of();
      }
    }
    Repomd repomd;
    try {
      repomd = Repomd.parse(xml);
    } catch (RepodataException e) {
      refuseLocked(root, where + ": " + e.getMessage());
      return List.of();
    }
    String primaryUrl = resolve(root, repomd.base(), repomd.href());
    if (primaryUrl == null) {
      refuseLocked(root, where + ": its primary's location cannot be fetched over http(s): " + repomd.href());
      return List.of();
    }
    Authority authority = signature == null ? Authority.FETCHED_METADATA : Authority.SIGNED_METADATA;
    trusted.put(root, new Trusted(repomd, primaryUrl, "the primary " + primaryUrl + " (" + how + ")", authority));
    if (problems.remove(root) != null) {
      log.info("{} verified again ({})", where, how);
    }
    Listing back = suspended.remove(root);
    if (back != null && back.primary().equals(repomd.sha256())) {
      listings.put(root, new Listing(back.table(), back.primary(), back.source(), authority));
    }
    log.debug("trusting {} ({}): primary {}", where, how, primaryUrl);
    List<Observed> waiting = new ArrayList<>();
    Observed o = pending.remove(primaryUrl);
    if (o != null) {
      waiting.add(o);
    }
    return waiting;
  }

  private void learnQuietly(Observed observed) {
    try {
      learn(observed);
    } catch (IOException e) {
      log.debug("cannot read {} from the cache: {}", observed.url(), e.toString());
    } catch (RepodataException e) {
      String root = rootOf(observed.url().toString());
      String why = observed.url() + ": " + e.getMessage();
      if (!why.equals(problems.put(root, why))) {
        log.warn("not sharing what {} vouches for: {}", root, why);
      }
    }
  }

  /** A file that may be some trusted repomd's primary: if it is, learn its packages; if it may become one, wait. */
  private void learn(Observed observed) throws IOException, RepodataException {
    String text = observed.url().toString();
    String root = null;
    Trusted repo = null;
    synchronized (lock) {
      for (Map.Entry<String, Trusted> e : trusted.entrySet()) {
        if (e.getValue().primaryUrl().equals(text)) {
          root = e.getKey();
          repo = e.getValue();
          break;
        }
      }
      if (repo == null) {
        if (text.contains("/" + REPODATA) && observed.url().fileName().contains("primary.xml")) {
          pending.put(text, observed);
          if (pending.size() > MAX_PENDING) {
            pending.remove(pending.keySet().iterator().next());
          }
        }
        return;
      }
    }
    Sha256 digest = observed.sha256() != null ? observed.sha256() : digestOf(observed.file());
    if (!digest.equals(repo.repomd().sha256())) {
      throw new RepodataException("its SHA-256 is " + digest + ", but " + root + REPODATA + "repomd.xml lists "
          + repo.repomd().sha256() + " (a newer or older primary than the repomd); its packages are not used");
    }
    PackageTable.Builder builder = new PackageTable.Builder();
    int[] outside = new int[1];
    String base = root;
    PrimaryIndex.Summary summary;
    try (InputStream in = Decompression.open(Files.newInputStream(observed.file()), observed.url().fileName())) {
      summary = PrimaryIndex.read(in, entry -> {
        String url = resolve(base, entry.base(), entry.href());
        if (url == null) {
          outside[0]++;
        } else {
          builder.add(url, entry.sha256(), entry.size());
        }
      });
    } catch (IOException | RepodataException e) {
      synchronized (lock) {
        Trusted now = trusted.get(root);
        if (now != null && now.repomd().sha256().equals(digest)) {
          listings.remove(root); // the primary the repomd lists is unusable: vouch for nothing of it
          suspended.remove(root);
        }
      }
      throw e instanceof RepodataException r ? r : new RepodataException("cannot read the primary: " + e.getMessage(), e);
    }
    PackageTable table = builder.build();
    synchronized (lock) {
      Trusted now = trusted.get(root);
      if (now == null || !now.repomd().sha256().equals(digest)) {
        return; // refused, or a newer repomd arrived while this one was read
      }
      listings.put(root, new Listing(table, digest, now.source(), now.authority()));
      suspended.remove(root);
      problems.remove(root);
    }
    int skipped = summary.skipped() + outside[0];
    log.info("verified {}: {} rpms listed{}", text, table.size(),
        skipped > 0 ? " (" + skipped + " without a sha256 checksum, size or http(s) location skipped)" : "");
  }

  /** The URL of {@code href} in the repository at {@code root}, honouring {@code xml:base}; null if not http(s). */
  static String resolve(String root, String base, String href) {
    if (href.contains("://")) {
      return canonicalOrNull(href);
    }
    String relative = href.startsWith("/") ? href.substring(1) : href;
    String folder = root;
    if (base != null && !base.isBlank()) {
      String b = base.trim();
      if (b.contains("://")) {
        folder = canonicalOrNull(b.endsWith("/") ? b : b + "/");
        if (folder == null) {
          return null;
        }
      } else {
        folder = root + (b.startsWith("/") ? b.substring(1) : b);
        folder = folder.endsWith("/") ? folder : folder + "/";
      }
    }
    String url = folder + relative;
    if (url.contains("/./") || url.contains("/../")) {
      return canonicalOrNull(url);
    }
    return url;
  }

  private static String canonicalOrNull(String url) {
    try {
      return CanonicalUrl.parse(url).toString();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String rootOf(String url) {
    int at = url.lastIndexOf("/" + REPODATA);
    return at < 0 ? url.substring(0, url.lastIndexOf('/') + 1) : url.substring(0, at + 1);
  }

  private void refuse(String root, String why) {
    synchronized (lock) {
      refuseLocked(root, why);
    }
  }

  /** Vouches for nothing of {@code root} until its metadata verifies again. Under the lock. */
  private void refuseLocked(String root, String why) {
    trusted.remove(root);
    Listing was = listings.remove(root);
    if (was != null) {
      suspended.put(root, was);
    }
    if (!why.equals(problems.put(root, why))) {
      log.warn("not sharing what {} vouches for: {}", root, why);
    }
  }

  private static Sha256 digestOf(Path file) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return Sha256.of(digest);
  }

  private static byte[] read(Path file) throws IOException, RepodataException {
    if (Files.size(file) > MAX_REPOMD_BYTES) {
      throw new RepodataException("larger than " + MAX_REPOMD_BYTES + " bytes: not a repomd.xml or its signature");
    }
    return Files.readAllBytes(file);
  }
}
