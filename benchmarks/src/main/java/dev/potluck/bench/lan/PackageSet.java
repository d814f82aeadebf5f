package dev.potluck.bench.lan;

import dev.potluck.bench.harness.Content;
import dev.potluck.bench.harness.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The packages the hosts fetch: incompressible files named like a Debian pool
 * ({@code debian/pool/main/p/pkg0007/pkg0007_1.7-1_amd64.deb}), written under a web root with their
 * SHA-256, in the order every host fetches them.
 *
 * <p>Sizes are either given, or spread log-uniformly from {@link #SMALLEST} up to whatever largest size
 * makes them add up to the requested total, as package sizes are: many small, a few large. The fetch
 * order is a seeded shuffle, so small and large alternate.
 */
public final class PackageSet {

  /** The smallest generated size (100 KiB), when sizes are not given. */
  public static final long SMALLEST = 100L << 10;

  /** One package: its path under the web root (no leading slash), size and SHA-256 (hex). */
  public record Package(String path, long size, String sha256) {}

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

  /**
   * Writes one package per size under {@code root}, in order, and returns the set. Packages are named
   * {@code <stem>0000}, {@code <stem>0001}, ... and filed under the stem's first letter.
   */
  public static PackageSet write(Path root, String stem, List<Long> sizes, long seed) throws IOException {
    List<Package> packages = new ArrayList<>();
    for (int i = 0; i < sizes.size(); i++) {
      String name = String.format(Locale.ROOT, "%s%04d", stem, i);
      String path = "debian/pool/main/" + stem.charAt(0) + "/" + name + "/" + name + "_1." + i + "-1_amd64.deb";
      Path file = root.resolve(path);
      Files.createDirectories(file.getParent());
      MessageDigest md = Digests.sha256();
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), md)) {
        Content.write(Content.seedOf(seed + "/" + path), sizes.get(i), out);
      }
      packages.add(new Package(path, sizes.get(i), Digests.hex(md.digest())));
    }
    return new PackageSet(packages);
  }

  public List<Package> packages() {
    return packages;
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
