package dev.potluck.testkit.apt;

import dev.potluck.testkit.Trees;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import java.util.zip.GZIPOutputStream;

/**
 * A real, signed Debian repository on disk, built with the tools a distribution uses (dpkg-deb,
 * apt-ftparchive, gpg), so apt treats it exactly as it treats a mirror.
 *
 * <p>Layout under {@link #root()}: {@code pool/main/<name>_1.0_all.deb}, {@code
 * dists/stable/main/binary-all/Packages{,.gz}}, {@code dists/stable/{Release,InRelease,
 * Release.gpg}} and {@code keyring.gpg}, the public key for {@code signed-by=}. The Release file
 * lists architectures "all amd64", which is what makes apt on amd64 fetch {@code binary-all}.
 */
public final class AptRepository {

  public static final String SUITE = "stable";
  public static final String COMPONENT = "main";
  public static final String VERSION = "1.0";

  // Pins the timestamps inside each .deb, so the same seed gives byte-identical packages.
  private static final String SOURCE_DATE_EPOCH = "1700000000";

  /** One .deb in the pool. {@code poolPath} is relative to the root, as in the Packages index. */
  public record Package(String name, String version, String poolPath, long size, String sha256) {

    /** The name apt-get gives the file it downloads, e.g. {@code potluck-test-0_1.0_all.deb}. */
    public String fileName() {
      return poolPath.substring(poolPath.lastIndexOf('/') + 1);
    }

    /** The path a client requests, e.g. {@code /pool/main/potluck-test-0_1.0_all.deb}. */
    public String urlPath() {
      return "/" + poolPath;
    }
  }

  private final Path root;
  private final List<Package> packages;
  /** The signing key's gpg home, kept so that {@link #publish} can sign new releases; deleted at exit. */
  private final Path keyHome;

  private AptRepository(Path root, List<Package> packages, Path keyHome) {
    this.root = root;
    this.packages = new java.util.concurrent.CopyOnWriteArrayList<>(packages);
    this.keyHome = keyHome;
  }

  /** A package to build: its name and the bytes of random payload it carries. */
  public record Spec(String name, int payloadBytes) {}

  /**
   * Builds a repository in {@code dir} with packages {@code potluck-test-0 ..
   * potluck-test-<packageCount-1>}; package {@code i} carries {@code payloadSize.applyAsInt(i)}
   * bytes of random data (incompressible, like most real payloads), derived from {@code seed}.
   */
  public static AptRepository create(
      Path dir, int packageCount, IntUnaryOperator payloadSize, long seed) throws IOException {
    if (packageCount < 1) {
      throw new IllegalArgumentException("a repository needs at least one package");
    }
    List<Spec> specs = new ArrayList<>();
    for (int i = 0; i < packageCount; i++) {
      specs.add(new Spec("potluck-test-" + i, payloadSize.applyAsInt(i)));
    }
    return create(dir, specs, seed);
  }

  /**
   * Builds a repository in {@code dir} with one package per spec, in order; the payload of the
   * {@code i}-th is random data derived from {@code seed} and {@code i}.
   */
  public static AptRepository create(Path dir, List<Spec> specs, long seed) throws IOException {
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("a repository needs at least one package");
    }
    for (Spec spec : specs) {
      if (!spec.name().matches("[a-z0-9][a-z0-9.+-]+")) {
        throw new IllegalArgumentException("not a Debian package name: '" + spec.name() + "'");
      }
    }
    Path root = Files.createDirectories(dir).toAbsolutePath().normalize();
    if (root.toString().chars().anyMatch(Character::isWhitespace)) {
      // The keyring path goes into a sources line, which apt splits on whitespace.
      throw new IllegalArgumentException("repository path must not contain whitespace: " + root);
    }
    // A short scratch path, not one under dir: gpg-agent's socket path is limited to 108 bytes.
    Path scratch = Files.createTempDirectory("potluck-apt");
    boolean built = false;
    try {
      List<Package> packages = new ArrayList<>();
      try (SigningKey key = SigningKey.generate(scratch.resolve("gnupg"))) {
        key.exportPublicKey(root.resolve("keyring.gpg"));
        Path pool = Files.createDirectories(root.resolve("pool").resolve(COMPONENT));
        for (int i = 0; i < specs.size(); i++) {
          Spec spec = specs.get(i);
          // One generator per package, so a package's bytes don't depend on the others.
          Random random = new Random(seed * 1_000_003L + i);
          packages.add(buildPackage(root, pool, scratch.resolve(spec.name()), spec.name(), spec.payloadBytes(), random));
        }
        writeIndexes(root, key);
      }
      built = true;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          Trees.delete(scratch);
        } catch (IOException ignored) {
          // A temporary folder of a few kilobytes: nothing to report at exit.
        }
      }));
      return new AptRepository(root, packages, scratch.resolve("gnupg"));
    } finally {
      if (!built) {
        Trees.delete(scratch);
      }
    }
  }

  /**
   * Publishes a new release, as an archive does: adds package {@code name} with {@code payloadBytes}
   * random bytes (from {@code seed}) to the pool, then replaces the indexes and, last, the signed
   * Release files, each by an atomic rename, so a client reading concurrently sees either the old or
   * the new file of each name, never a partial one.
   */
  public synchronized Package publish(String name, int payloadBytes, long seed) throws IOException {
    Package added = publishIndexesOnly(name, payloadBytes, seed);
    publishRelease();
    return added;
  }

  /**
   * The first half of {@link #publish}, as an archive caught mid-publish: the new package and the
   * indexes that list it are in place, the signed Release files are still the old ones (until
   * {@link #publishRelease}).
   */
  public synchronized Package publishIndexesOnly(String name, int payloadBytes, long seed) throws IOException {
    Path scratch = Files.createTempDirectory("potluck-pkg");
    try {
      Package added = buildPackage(root, root.resolve("pool").resolve(COMPONENT), scratch.resolve(name), name,
          payloadBytes, new Random(seed));
      writePackagesIndexes(root);
      packages.add(added);
      return added;
    } finally {
      Trees.delete(scratch);
    }
  }

  /** The second half of {@link #publish}: signed Release files for the indexes now in place. */
  public synchronized void publishRelease() throws IOException {
    try (SigningKey key = SigningKey.at(keyHome)) {
      writeReleaseFiles(root, key);
    }
  }

  public Path root() {
    return root;
  }

  /** The public signing key as a binary keyring, for {@code deb [signed-by=...]}. */
  public Path keyring() {
    return root.resolve("keyring.gpg");
  }

  public List<Package> packages() {
    return packages;
  }

  public List<String> packageNames() {
    return packages.stream().map(Package::name).toList();
  }

  public String suite() {
    return SUITE;
  }

  /** The sources.list entry for this repository served at {@code baseUrl}. */
  public String sourcesLine(String baseUrl) {
    return "deb [signed-by=" + keyring() + "] " + baseUrl + " " + SUITE + " " + COMPONENT;
  }

  private static Package buildPackage(
      Path root, Path pool, Path tree, String name, int payloadBytes, Random random)
      throws IOException {
    if (payloadBytes < 0) {
      throw new IllegalArgumentException("negative payload size for " + name);
    }
    Path control = directories(tree, "DEBIAN");
    Path share = directories(tree, "usr/share/" + name);
    file(
        control.resolve("control"),
        String.join(
            "\n",
            "Package: " + name,
            "Version: " + VERSION,
            "Architecture: all",
            "Maintainer: " + SigningKey.USER_ID,
            "Installed-Size: " + (payloadBytes + 1023) / 1024,
            "Section: misc",
            "Priority: optional",
            "Description: Potluck test package with " + payloadBytes + " random bytes",
            ""));
    Path payload = share.resolve("payload");
    try (OutputStream out = Files.newOutputStream(payload)) {
      byte[] chunk = new byte[64 * 1024];
      for (int left = payloadBytes; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, Math.min(left, chunk.length));
      }
    }
    Files.setPosixFilePermissions(payload, PosixFilePermissions.fromString("rw-r--r--"));

    String fileName = name + "_" + VERSION + "_all.deb";
    Path deb = pool.resolve(fileName);
    // -Znone: random data does not compress, so compressing only costs time.
    ExternalCommand.of(
            "dpkg-deb", "-Znone", "--root-owner-group", "--build", tree.toString(),
            deb.toString())
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .check();
    Trees.delete(tree);
    String poolPath = root.relativize(deb).toString();
    return new Package(name, VERSION, poolPath, Files.size(deb), Sha256.of(deb));
  }

  private static void writeIndexes(Path root, SigningKey key) throws IOException {
    writePackagesIndexes(root);
    writeReleaseFiles(root, key);
  }

  private static void writePackagesIndexes(Path root) throws IOException {
    Path dist = root.resolve("dists").resolve(SUITE);
    Path binary = Files.createDirectories(dist.resolve(COMPONENT).resolve("binary-all"));
    // Each file is made beside dists/ and renamed into place: apt-ftparchive release would list a
    // temporary file made next to the indexes, and a client must never read a half-written one.
    Path packagesNew = root.resolve("Packages.new");
    // Run from the root so the index's Filename fields are root-relative (pool/main/...).
    ExternalCommand.of("apt-ftparchive", "packages", "pool/" + COMPONENT)
        .in(root)
        .stdoutTo(packagesNew)
        .check();
    Path gzipNew = root.resolve("Packages.gz.new");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzipNew))) {
      Files.copy(packagesNew, out);
    }
    Files.move(packagesNew, binary.resolve("Packages"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Files.move(gzipNew, binary.resolve("Packages.gz"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeReleaseFiles(Path root, SigningKey key) throws IOException {
    Path dist = root.resolve("dists").resolve(SUITE);

    // Written beside dists/ first: apt-ftparchive scans the folder it describes.
    Path release = root.resolve("Release.tmp");
    String prefix = "APT::FTPArchive::Release::";
    ExternalCommand.of(
            "apt-ftparchive",
            "-o", prefix + "Origin=Potluck",
            "-o", prefix + "Label=Potluck Test",
            "-o", prefix + "Suite=" + SUITE,
            "-o", prefix + "Codename=" + SUITE,
            "-o", prefix + "Components=" + COMPONENT,
            "-o", prefix + "Architectures=all amd64",
            "release", root.relativize(dist).toString())
        .in(root)
        .stdoutTo(release)
        .check();
    Path inRelease = root.resolve("InRelease.new");
    Path detached = root.resolve("Release.gpg.new");
    key.clearSign(release, inRelease);
    key.detachSign(release, detached);
    java.nio.file.CopyOption[] replace = {java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE};
    Files.move(release, dist.resolve("Release"), replace);
    Files.move(detached, dist.resolve("Release.gpg"), replace);
    Files.move(inRelease, dist.resolve("InRelease"), replace);
  }

  // Explicit modes on every level, as they go into the package: dpkg-deb rejects a DEBIAN
  // folder that a strict umask left at 0700.
  private static Path directories(Path base, String relative) throws IOException {
    Path dir = base;
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String part : relative.split("/")) {
      dir = dir.resolve(part);
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return dir;
  }

  private static void file(Path file, String content) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }

}
