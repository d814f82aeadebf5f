package dev.potluck.node.trust.apt;

import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.CopyCheck;
import dev.potluck.node.trust.Expectation;
import dev.potluck.node.trust.MetadataAuthority;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * apt's chain of trust, followed by the node itself: an {@code InRelease} (or {@code Release} with
 * {@code Release.gpg}) whose OpenPGP signature a trusted key made and whose {@code Valid-Until} has not
 * passed; then each {@code Packages} index whose SHA-256 that Release lists; then each package file by
 * the {@code SHA256} and {@code Size} of its stanza. By-hash indexes are vouched for by the Release too,
 * with their size.
 *
 * <p>It learns only from metadata this node fetched from upstream itself ({@link #observe}). Mutable
 * metadata is never given an expectation: apt fetches a new {@code InRelease} and then its indexes at
 * once, and this node must not judge the new index by the old Release it is still learning from.
 *
 * <p>Thread-safe: {@link #observe} runs on worker threads, {@link #lookup} on the event loop.
 */
public final class AptAuthority implements MetadataAuthority {

  private static final Logger log = LoggerFactory.getLogger(AptAuthority.class);

  /** The most a Release file may hold before it is taken for something else (Debian's is ~150 KB). */
  static final int MAX_RELEASE_BYTES = 16 << 20;
  /** The most index paths remembered as wanted per Release folder. */
  static final int MAX_WANTED = 64;
  /** Indexes seen before their Release was verified, kept until it is; older ones are forgotten. */
  static final int MAX_PENDING = 256;

  /** A verified Release: where it lives, what it lists, and by what digest. */
  private record VerifiedRelease(String dir, String repositoryRoot, ReleaseFile release,
      Map<Sha256, String> pathsByDigest, String source) {}

  /** One stored index this node fetched, waiting for its Release. */
  private record Observed(CanonicalUrl url, Path file, Sha256 sha256) {}

  private final OpenPgpVerifier verifier;
  private final Supplier<Instant> clock;
  /** By the folder the Release is in ({@code .../dists/stable/}), with a trailing slash. */
  private final Map<String, VerifiedRelease> releases = new ConcurrentHashMap<>();
  /** Package files by index: the key is the index's folder and name without compression suffix. */
  private final Map<String, PackageTable> tables = new ConcurrentHashMap<>();
  private final Map<String, byte[]> unsignedReleases = new ConcurrentHashMap<>();
  /** By Release folder: the paths of indexes it lists that were looked up (that clients wanted). */
  private final Map<String, Set<String>> wanted = new ConcurrentHashMap<>();
  private final Map<String, byte[]> detachedSignatures = new ConcurrentHashMap<>();
  private final Map<String, String> problems = new ConcurrentHashMap<>();
  private final LinkedHashMap<String, Observed> pending = new LinkedHashMap<>();

  public AptAuthority(TrustedKeys keys, Supplier<Instant> clock) {
    this.verifier = new OpenPgpVerifier(keys);
    this.clock = clock;
  }

  @Override
  public Expectation lookup(CanonicalUrl url) {
    String text = url.toString();
    if (text.contains("/by-hash/SHA256/")) {
      return byHash(text);
    }
    Expectation index = listedIndex(text);
    if (index != null) {
      return index;
    }
    for (Map.Entry<String, PackageTable> e : tables.entrySet()) {
      PackageTable.Listed listed = e.getValue().lookup(text);
      if (listed != null) {
        return new Expectation(listed.sha256(), listed.size(), Authority.SIGNED_METADATA, "the signed index " + e.getKey());
      }
    }
    return null;
  }

  /**
   * An index a verified Release lists under its own name ({@code main/binary-amd64/Packages.gz}): while
   * that Release is the one in use, the index is exactly these bytes, so it is one object on the LAN.
   */
  private Expectation listedIndex(String url) {
    VerifiedRelease release = releaseAbove(url);
    if (release == null) {
      return null;
    }
    String path = url.substring(release.dir().length());
    IndexFile listed = release.release().indexes().get(path);
    if (listed == null) {
      return null;
    }
    Set<String> paths = wanted.computeIfAbsent(release.dir(), d -> ConcurrentHashMap.newKeySet());
    if (paths.size() < MAX_WANTED) {
      paths.add(path);
    }
    return new Expectation(listed.sha256(), listed.size(), Authority.SIGNED_METADATA, release.source());
  }

  /**
   * The indexes a node should hold before it serves the Release at {@code releaseUrl}: those of its
   * folder that were asked for before and that it lists, so that a client given this Release finds
   * exactly the indexes it names even if the repository publishes again a moment later. Empty for a
   * repository with {@code Acquire-By-Hash: yes}, whose clients ask for indexes by digest.
   */
  @Override
  public List<CanonicalUrl> indexesToRenew(CanonicalUrl releaseUrl) {
    String text = releaseUrl.toString();
    String dir = text.substring(0, text.lastIndexOf('/') + 1);
    VerifiedRelease release = releases.get(dir);
    Set<String> paths = wanted.get(dir);
    if (release == null || paths == null || release.release().acquireByHash()) {
      return List.of();
    }
    return paths.stream().filter(release.release().indexes()::containsKey).sorted()
        .map(path -> CanonicalUrl.parse(dir + path)).toList();
  }

  /**
   * A {@code .deb} in a local cache such as {@code /var/cache/apt/archives}: vouched for when a verified
   * Packages index lists its bytes. apt names archived files {@code name_version_arch.deb} with an
   * epoch's colon as {@code %3a}, which pool names leave out; both spellings are looked up by name.
   */
  @Override
  public dev.potluck.node.trust.FileVerdict judgeFile(String fileName, Sha256 sha256, long size) {
    Map<String, PackageTable> bySource = new LinkedHashMap<>();
    tables.forEach((index, table) -> bySource.put("the signed index " + index, table));
    String withoutEpoch = fileName.replaceFirst("^([^_]+_)[0-9]+%3[aA]", "$1");
    return PackageTable.judge(bySource, List.of(fileName, withoutEpoch), sha256, size);
  }

  /** A by-hash index that a verified Release lists: its size is known too. */
  private Expectation byHash(String url) {
    VerifiedRelease release = releaseAbove(url);
    if (release == null) {
      return null;
    }
    String hex = url.substring(url.lastIndexOf('/') + 1);
    Sha256 sha256;
    try {
      sha256 = Sha256.parse(hex);
    } catch (IllegalArgumentException e) {
      return null;
    }
    String path = release.pathsByDigest().get(sha256);
    if (path == null) {
      return null;
    }
    return new Expectation(sha256, release.release().indexes().get(path).size(), Authority.SIGNED_METADATA,
        release.source());
  }

  @Override
  public void observe(CanonicalUrl url, Path file, Sha256 sha256) {
    String text = url.toString();
    String name = url.fileName();
    String dir = text.substring(0, text.lastIndexOf('/') + 1);
    try {
      switch (name) {
        case "InRelease" -> trust(dir, verifier.verifyClearSigned(read(file), clock.get()), text);
        case "Release" -> {
          unsignedReleases.put(dir, read(file));
          verifyDetached(dir);
        }
        case "Release.gpg" -> {
          detachedSignatures.put(dir, read(file));
          verifyDetached(dir);
        }
        default -> index(new Observed(url, file, sha256));
      }
    } catch (IOException e) {
      log.debug("cannot read {} from the cache: {}", url, e.toString());
    } catch (VerificationException | AptFormatException e) {
      refuse(dir, text + ": " + e.getMessage());
    }
  }

  /** InRelease files of suites whose Release this node could verify (no copy is asked for otherwise). */
  @Override
  public boolean checksCopiesOf(CanonicalUrl url) {
    String text = url.toString();
    return url.fileName().equals("InRelease") && text.contains("/dists/")
        && !problems.containsKey(text.substring(0, text.lastIndexOf('/') + 1));
  }

  /**
   * Another member's InRelease: its signature must verify against the keys this host's apt trusts, it
   * must be the Release of the suite its folder names, not expired, and no older than the Release this
   * node already uses. Only an altered file (a trusted key's signature that does not match, another
   * suite's Release) blames the member: an honest one may relay an expired or lagging upstream.
   */
  @Override
  public CopyCheck checkCopy(CanonicalUrl url, byte[] body) {
    String text = url.toString();
    String dir = text.substring(0, text.lastIndexOf('/') + 1);
    if (body.length > MAX_RELEASE_BYTES) {
      return CopyCheck.wrong("larger than " + MAX_RELEASE_BYTES + " bytes: not a Release file");
    }
    ReleaseFile release;
    try {
      release = ReleaseFile.parse(verifier.verifyClearSigned(body, clock.get()).text());
    } catch (VerificationException e) {
      return e.reason() == VerificationException.Reason.BAD_SIGNATURE ? CopyCheck.wrong(e.getMessage())
          : CopyCheck.unusable(e.getMessage());
    } catch (AptFormatException e) {
      return CopyCheck.unusable(e.getMessage());
    }
    String suite = dir.substring(dir.lastIndexOf("/dists/") + "/dists/".length(), dir.length() - 1);
    if ((release.suite() != null || release.codename() != null) && !suite.equals(release.suite())
        && !suite.equals(release.codename())) {
      return CopyCheck.wrong("it is the Release of suite " + release.suite() + " (codename " + release.codename()
          + "), not of " + suite);
    }
    if (release.isExpired(clock.get())) {
      return CopyCheck.unusable("its Valid-Until (" + release.validUntil() + ") has passed");
    }
    VerifiedRelease current = releases.get(dir);
    Instant inUse = current == null ? null : current.release().date();
    if (inUse != null && (release.date() == null || release.date().isBefore(inUse))) {
      return CopyCheck.unusable("it is dated " + release.date() + ", older than the Release of " + inUse
          + " this node already uses");
    }
    return CopyCheck.GOOD;
  }

  @Override
  public List<String> problems() {
    return List.copyOf(problems.values());
  }

  /** Whether a Release verified for the folder {@code releaseDir} (with its trailing slash) is in use. */
  public boolean hasRelease(String releaseDir) {
    return releases.containsKey(releaseDir);
  }

  /**
   * The URLs of the {@code Packages} indexes of {@code entry}'s components for {@code archs} that its
   * verified Release lists, one per component and architecture, in the smallest form listed (xz, then
   * gz, then plain); none while no Release is verified for it.
   */
  public List<String> packagesIndexes(AptSources.Entry entry, List<String> archs) {
    VerifiedRelease release = releases.get(entry.releaseDir());
    if (release == null) {
      return List.of();
    }
    List<String> urls = new ArrayList<>();
    List<String> components = entry.flat() ? List.of("") : entry.components();
    for (String component : components) {
      for (String arch : archs) {
        String base = entry.flat() ? "Packages" : component + "/binary-" + arch + "/Packages";
        for (String suffix : new String[] {".xz", ".gz", ""}) {
          if (release.release().indexes().containsKey(base + suffix)) {
            urls.add(release.dir() + base + suffix);
            break;
          }
        }
      }
    }
    return urls;
  }

  /** How many package files the verified indexes list, all together (for the status page and tests). */
  public long listedPackages() {
    long n = 0;
    for (PackageTable t : tables.values()) {
      n += t.size();
    }
    return n;
  }

  private void verifyDetached(String dir) throws VerificationException, AptFormatException {
    byte[] release = unsignedReleases.get(dir);
    byte[] signature = detachedSignatures.get(dir);
    if (release == null || signature == null) {
      return;
    }
    unsignedReleases.remove(dir);
    detachedSignatures.remove(dir);
    trust(dir, verifier.verifyDetached(release, signature, clock.get()), dir + "Release");
  }

  /** {@code verified} is a Release file found at {@code dir}: use it, unless it has expired. */
  private void trust(String dir, VerifiedText verified, String where) throws AptFormatException {
    ReleaseFile release = ReleaseFile.parse(verified.text());
    Instant now = clock.get();
    if (release.isExpired(now)) {
      throw new AptFormatException("its Valid-Until (" + release.validUntil() + ") has passed; nothing it lists is"
          + " checked against it, and so nothing is taken from other nodes");
    }
    Map<Sha256, String> byDigest = new HashMap<>();
    release.indexes().forEach((path, index) -> byDigest.putIfAbsent(index.sha256(), path));
    int dists = dir.lastIndexOf("/dists/");
    String root = dists < 0 ? dir : dir.substring(0, dists + 1);
    releases.put(dir, new VerifiedRelease(dir, root, release, byDigest, "the signed Release of " + dir));
    problems.remove(dir);
    log.info("verified {} (signed by key {}): {} files listed", where, verified.keyIdHex(), release.indexes().size());
    List<Observed> waiting = new ArrayList<>();
    synchronized (pending) {
      pending.values().removeIf(o -> {
        if (o.url().toString().startsWith(dir)) {
          waiting.add(o);
          return true;
        }
        return false;
      });
    }
    for (Observed o : waiting) {
      try {
        index(o);
      } catch (IOException | AptFormatException e) {
        refuse(dir, o.url() + ": " + e.getMessage());
      }
    }
  }

  /** A file under some Release's folder: if that Release lists it as a Packages index, learn its packages. */
  private void index(Observed observed) throws IOException, AptFormatException {
    String text = observed.url().toString();
    VerifiedRelease release = releaseAbove(text);
    if (release == null) {
      if (text.contains("/dists/") || observed.url().fileName().startsWith("Packages")) {
        synchronized (pending) {
          pending.put(text, observed);
          if (pending.size() > MAX_PENDING) {
            pending.remove(pending.keySet().iterator().next());
          }
        }
      }
      return;
    }
    String path = text.substring(release.dir().length());
    if (path.contains("/by-hash/SHA256/")) {
      path = release.pathsByDigest().get(observed.sha256());
      if (path == null) {
        return;
      }
    }
    IndexFile listed = release.release().indexes().get(path);
    if (listed == null || !isPackagesIndex(path)) {
      return;
    }
    if (!listed.sha256().equals(observed.sha256())) {
      throw new AptFormatException("its SHA-256 is " + observed.sha256() + ", but " + release.source() + " lists "
          + listed.sha256() + " (a newer or older index than the Release); its packages are not used");
    }
    PackageTable.Builder builder = new PackageTable.Builder();
    PackagesIndex.Summary summary;
    try (InputStream in = Decompression.open(Files.newInputStream(observed.file()), path)) {
      summary = PackagesIndex.read(in, entry -> builder.add(release.repositoryRoot() + entry.filename(),
          entry.sha256(), entry.size()));
    }
    PackageTable table = builder.build();
    tables.put(release.dir() + stripCompression(path), table);
    log.info("verified {}: {} package files listed{}", text, table.size(), summary.withoutSha256() > 0
        ? " (" + summary.withoutSha256() + " stanzas without SHA256 skipped)" : "");
  }

  /** The verified Release whose folder holds {@code url}, nearest first. */
  private VerifiedRelease releaseAbove(String url) {
    int slash = url.lastIndexOf('/');
    int floor = url.indexOf("://") + 3;
    while (slash > floor) {
      VerifiedRelease r = releases.get(url.substring(0, slash + 1));
      if (r != null) {
        return r;
      }
      slash = url.lastIndexOf('/', slash - 1);
    }
    return null;
  }

  private void refuse(String dir, String why) {
    if (!why.equals(problems.put(dir, why))) {
      log.warn("not sharing what {} vouches for: {}", dir, why);
    }
  }

  private static boolean isPackagesIndex(String path) {
    String name = stripCompression(path.substring(path.lastIndexOf('/') + 1));
    return name.equals("Packages");
  }

  private static String stripCompression(String path) {
    for (String suffix : new String[] {".gz", ".xz", ".zst", ".bz2", ".lz4", ".lzma"}) {
      if (path.endsWith(suffix)) {
        return path.substring(0, path.length() - suffix.length());
      }
    }
    return path;
  }

  private static byte[] read(Path file) throws IOException, AptFormatException {
    if (Files.size(file) > MAX_RELEASE_BYTES) {
      throw new AptFormatException("larger than " + MAX_RELEASE_BYTES + " bytes: not a Release file");
    }
    return Files.readAllBytes(file);
  }
}
