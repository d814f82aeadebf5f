package dev.potluck.bench.lan;

import dev.potluck.testkit.apt.AptRepository;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Predicate;

/**
 * The packages the hosts fetch: real .deb files in a signed apt repository the benchmark builds
 * ({@link AptRepository}: dpkg-deb, apt-ftparchive, gpg), with incompressible random payloads, in the
 * repository's pool ({@code pool/main/pkg-0007_1.0_all.deb}), with their SHA-256, in the order of the
 * sizes given.
 *
 * <p>Sizes are either given, or spread log-uniformly from {@link #SMALLEST} up to whatever largest size
 * makes them add up to the requested total, as package sizes are: many small, a few large. The order
 * is a seeded shuffle, so small and large alternate.
 */
public final class PackageSet {

  /** The smallest generated size (100 KiB), when sizes are not given. */
  public static final long SMALLEST = 100L << 10;

  /** One package: its Debian name, its path under the web root (no leading slash), size and SHA-256 (hex). */
  public record Package(String name, String path, long size, String sha256) {

    /** The file name apt-get saves it as. */
    public String fileName() {
      return path.substring(path.lastIndexOf('/') + 1);
    }
  }

  private final List<Package> packages;

  private PackageSet(List<Package> packages) {
    this.packages = List.copyOf(packages);
  }

  /**
   * {@code count} sizes adding up to {@code totalBytes}, log-uniform from {@link #SMALLEST}, shuffled
   * with {@code seed}.
   */
  public static List<Long> spreadSizes(int count, long totalBytes, long seed) {
    if (count < 1) {
      throw new IllegalArgumentException("at least one package, not " + count);
    }
    if (totalBytes < count * SMALLEST) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "%d packages of at least %d KiB need %.1f MiB or more, not %.1f MiB", count, SMALLEST >> 10,
          count * SMALLEST / 1048576.0, totalBytes / 1048576.0));
    }
    // The i-th size is the (i + 0.5)/count quantile of a log-uniform law on [SMALLEST, largest]; find the
    // largest whose sizes add up to the total (the sum grows with it).
    double low = SMALLEST;
    double high = Math.max(SMALLEST, totalBytes);
    for (int round = 0; round < 200; round++) {
      double mid = (low + high) / 2;
      if (sum(count, mid) < totalBytes) {
        low = mid;
      } else {
        high = mid;
      }
    }
    List<Long> sizes = new ArrayList<>();
    long assigned = 0;
    for (int i = 0; i < count; i++) {
      long size = Math.round(quantile(i, count, high));
      sizes.add(size);
      assigned += size;
    }
    // Rounding leaves a few bytes over or under: the largest takes them.
    sizes.set(count - 1, sizes.get(count - 1) + totalBytes - assigned);
    Collections.shuffle(sizes, new Random(seed));
    return sizes;
  }

  private static double quantile(int i, int count, double largest) {
    return count == 1 ? largest : SMALLEST * Math.pow(largest / SMALLEST, (i + 0.5) / count);
  }

  private static double sum(int count, double largest) {
    double total = 0;
    for (int i = 0; i < count; i++) {
      total += quantile(i, count, largest);
    }
    return total;
  }

  /** The specs of packages {@code <stem>-0000 ...}, one per size (the .deb adds about 1 KiB to each). */
  public static List<AptRepository.Spec> specs(String stem, List<Long> sizes) {
    List<AptRepository.Spec> specs = new ArrayList<>();
    for (int i = 0; i < sizes.size(); i++) {
      if (sizes.get(i) > Integer.MAX_VALUE - 65536) {
        throw new IllegalArgumentException("a package of at most 2 GiB, not " + sizes.get(i) + " bytes");
      }
      specs.add(new AptRepository.Spec(String.format(Locale.ROOT, "%s-%04d", stem, i), (int) (long) sizes.get(i)));
    }
    return specs;
  }

  /** The repository's packages whose name starts with {@code stem-}, in the repository's order. */
  public static PackageSet of(AptRepository repository, String stem) {
    return new PackageSet(repository.packages().stream().filter(p -> p.name().startsWith(stem + "-"))
        .map(p -> new Package(p.name(), p.poolPath(), p.size(), p.sha256())).toList());
  }

  /** A set of the given packages, in order. */
  public static PackageSet of(List<Package> packages) {
    return new PackageSet(packages);
  }

  /** The packages that {@code keep} accepts, in order. */
  public PackageSet subset(Predicate<Package> keep) {
    return new PackageSet(packages.stream().filter(keep).toList());
  }

  public List<Package> packages() {
    return packages;
  }

  public List<String> names() {
    return packages.stream().map(Package::name).toList();
  }

  public int count() {
    return packages.size();
  }

  /** The bytes of one copy of every package. */
  public long uniqueBytes() {
    return packages.stream().mapToLong(Package::size).sum();
  }

  public long smallest() {
    return packages.stream().mapToLong(Package::size).min().orElse(0);
  }

  public long largest() {
    return packages.stream().mapToLong(Package::size).max().orElse(0);
  }
}
