package dev.potluck.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.potluck.bench.harness.Cleanup;
import dev.potluck.bench.harness.Machine;
import dev.potluck.bench.harness.Stats;
import dev.potluck.bench.harness.Table;
import dev.potluck.node.trust.apt.Decompression;
import dev.potluck.node.trust.apt.OpenPgpVerifier;
import dev.potluck.node.trust.apt.PackageEntry;
import dev.potluck.node.trust.apt.PackagesIndex;
import dev.potluck.node.trust.apt.ReleaseFile;
import dev.potluck.node.trust.apt.TrustedKeys;
import dev.potluck.node.trust.apt.VerifiedText;
import dev.potluck.protocol.Sha256;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/**
 * What the apt trust chain costs a node: verifying a real {@code InRelease} (signed by gpg with an
 * RSA-4096 key, as Debian's archive keys are, and with Ed25519), and parsing and indexing a
 * Debian-sized {@code Packages} file (60,000 stanzas, plain and xz), next to plain SHA-256 over the
 * same bytes, the cost every package download pays anyway.
 *
 * <p>Each figure is the median of several rounds after warm-up rounds, timed on the wall clock and as
 * this thread's CPU time; operations take milliseconds to seconds, far above timer resolution. Prints
 * a table, then one {@code [figure] name value unit} line per figure for scripts to pick up. Needs
 * {@code gpg} on PATH (Debian package gnupg). Usage: {@code AptVerifyBench [stanzas] [rounds]}.
 */
public final class AptVerifyBench {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final double GIB = 1024.0 * 1024 * 1024;

  private AptVerifyBench() {}

  public static void main(String[] args) throws Exception {
    int stanzas = args.length > 0 ? Integer.parseInt(args[0]) : 60_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Cleanup cleanup = new Cleanup();
    cleanup.installShutdownHook();
    Path work = cleanup.newTempDir(Path.of("/tmp"), "aptv");
    List<String[]> figures = new ArrayList<>();
    try {
      run(work, stanzas, rounds, figures);
    } finally {
      cleanup.delete(work);
    }
    Table table = new Table("figure", "value", "unit");
    for (String[] f : figures) {
      table.row(f[0], f[1], f[2]);
    }
    table.print(System.out);
    for (String[] f : figures) {
      System.out.println("[figure] " + f[0] + " " + f[1] + " " + f[2]);
    }
  }

  private static void run(Path work, int stanzas, int rounds, List<String[]> figures) throws Exception {
    System.out.println("machine: " + Machine.describe());
    Path packages = work.resolve("Packages");
    Path packagesXz = work.resolve("Packages.xz");
    long t0 = System.nanoTime();
    writePackages(packages, stanzas);
    long plainSize = Files.size(packages);
    try (InputStream in = Files.newInputStream(packages);
        OutputStream out = new XZOutputStream(new BufferedOutputStream(Files.newOutputStream(packagesXz), 1 << 16),
            new LZMA2Options(3))) {
      in.transferTo(out);
    }
    long xzSize = Files.size(packagesXz);
    System.out.printf("generated %d stanzas: Packages %.1f MiB, Packages.xz %.1f MiB, in %.1f s%n",
        stanzas, plainSize / 1048576.0, xzSize / 1048576.0, (System.nanoTime() - t0) / 1e9);

    String release = release(packages, packagesXz);
    Path home = Files.createDirectory(work.resolve("g"));
    Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Gpg gpg = new Gpg(home);
    try {
      gpg.run("--passphrase", "", "--quick-gen-key", "Bench RSA <rsa@potluck.invalid>", "rsa4096", "sign", "never");
      gpg.run("--passphrase", "", "--quick-gen-key", "Bench Ed <ed@potluck.invalid>", "ed25519", "sign", "never");
      byte[] keyring = gpg.export(work.resolve("keyring.gpg"));
      TrustedKeys keys = TrustedKeys.parse(keyring);
      OpenPgpVerifier verifier = new OpenPgpVerifier(keys);
      for (String[] signer : new String[][] {{"rsa4096", "rsa@potluck.invalid"}, {"ed25519", "ed@potluck.invalid"}}) {
        byte[] inRelease = gpg.clearSign(work, release, signer[1]);
        Instant now = Instant.now();
        long cold = System.nanoTime();
        VerifiedText first = verifier.verifyClearSigned(inRelease, now);
        double coldMs = (System.nanoTime() - cold) / 1e6;
        ReleaseFile.parse(first.text());
        for (int i = 0; i < 50; i++) {
          verifier.verifyClearSigned(inRelease, now);
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          long s = System.nanoTime();
          VerifiedText v = verifier.verifyClearSigned(inRelease, now);
          ReleaseFile.parse(v.text());
          ms.add((System.nanoTime() - s) / 1e6);
        }
        figures.add(new String[] {"inrelease_verify_first_call_" + signer[0], fmt(coldMs), "ms"});
        figures.add(new String[] {"inrelease_verify_and_parse_" + signer[0], fmt(Stats.of(ms).median()), "ms (median of 200)"});
      }
    } finally {
      gpg.close();
    }

    byte[] plainBytes = Files.readAllBytes(packages);
    Measured plain = measure(rounds, () -> index(packages, "Packages", stanzas));
    Measured xz = measure(rounds, () -> index(packagesXz, "Packages.xz", stanzas));
    Measured xzOnly = measure(rounds, () -> drain(packagesXz));
    Measured sha = measure(rounds, () -> {
      MessageDigest digest = Sha256.newDigest();
      // Several passes: one 70 MB pass is short enough for timer and scheduling noise to matter.
      for (int i = 0; i < 4; i++) {
        digest.update(plainBytes);
      }
      digest.digest();
    });
    double plainGib = plainSize / GIB;
    figures.add(new String[] {"packages_parse_index_plain", fmt(plain.wallMs), "ms for " + stanzas + " stanzas"});
    figures.add(new String[] {"packages_parse_index_plain_cpu", fmt(plain.cpuSeconds / plainGib), "CPU-s/GiB uncompressed"});
    figures.add(new String[] {"packages_parse_index_plain_rate", fmt(plainSize / 1048576.0 / (plain.wallMs / 1000)), "MiB/s"});
    figures.add(new String[] {"packages_parse_index_xz", fmt(xz.wallMs), "ms for " + stanzas + " stanzas"});
    figures.add(new String[] {"packages_parse_index_xz_cpu", fmt(xz.cpuSeconds / plainGib), "CPU-s/GiB uncompressed"});
    figures.add(new String[] {"xz_decompress_only", fmt(xzOnly.wallMs), "ms"});
    figures.add(new String[] {"sha256_cpu", fmt(sha.cpuSeconds / (4 * plainGib)), "CPU-s/GiB"});
    figures.add(new String[] {"sha256_rate", fmt(4 * plainSize / 1048576.0 / (sha.wallMs / 1000)), "MiB/s"});
    figures.add(new String[] {"packages_plain_size", fmt(plainSize / 1048576.0), "MiB"});
    figures.add(new String[] {"packages_xz_size", fmt(xzSize / 1048576.0), "MiB"});
    System.out.printf("SHA-256 provider: %s%n", Sha256.newDigest().getProvider());
  }

  /** Parses a Packages file and builds the filename → entry map the node will keep. */
  private static void index(Path file, String name, int expected) throws Exception {
    Map<String, PackageEntry> byName = new HashMap<>(expected * 2);
    try (InputStream in = Decompression.open(Files.newInputStream(file), name)) {
      PackagesIndex.Summary summary = PackagesIndex.read(in, e -> byName.put(e.filename(), e));
      if (summary.entries() != expected || byName.size() != expected) {
        throw new IllegalStateException("indexed " + summary + " / " + byName.size() + ", expected " + expected);
      }
    }
  }

  private static void drain(Path xz) throws IOException {
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Decompression.open(Files.newInputStream(xz), "Packages.xz")) {
      while (in.read(buf) >= 0) {
        // only the decompression is measured
      }
    }
  }

  private interface Task {
    void run() throws Exception;
  }

  private record Measured(double wallMs, double cpuSeconds) {}

  /** Two warm-up rounds, then the median wall time and median thread CPU time of {@code rounds}. */
  private static Measured measure(int rounds, Task task) throws Exception {
    for (int i = 0; i < 2; i++) {
      task.run();
    }
    List<Double> wall = new ArrayList<>();
    List<Double> cpu = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      long c = THREADS.getCurrentThreadCpuTime();
      long w = System.nanoTime();
      task.run();
      wall.add((System.nanoTime() - w) / 1e6);
      cpu.add((THREADS.getCurrentThreadCpuTime() - c) / 1e9);
    }
    return new Measured(Stats.of(wall).median(), Stats.of(cpu).median());
  }

  /** Stanzas shaped like Debian's main/amd64: ~1.1 KB each, long descriptions, real field order. */
  private static void writePackages(Path file, int count) throws IOException {
    Random random = new Random(42);
    String[] sections = {"admin", "devel", "libs", "net", "python", "utils", "web", "x11", "doc", "games"};
    String[] words = ("the a tool library for and of with to provides support data files package this "
        + "command line interface python module documentation development headers runtime shared "
        + "utilities server client network graphical plugin").split(" ");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      StringBuilder s = new StringBuilder(2048);
      for (int i = 0; i < count; i++) {
        s.setLength(0);
        String name = (i % 7 == 0 ? "lib" : "") + "pkg" + Integer.toString(i, 36) + (i % 5 == 0 ? "-dev" : "");
        String version = (1 + random.nextInt(9)) + "." + random.nextInt(40) + "." + random.nextInt(20) + "-" + (1 + random.nextInt(5));
        String source = name.startsWith("lib") ? name.substring(3) : name;
        String dir = source.startsWith("lib") ? source.substring(0, 4) : source.substring(0, 1);
        s.append("Package: ").append(name).append('\n');
        if (i % 3 == 0) {
          s.append("Source: ").append(source).append('\n');
        }
        s.append("Version: ").append(version).append('\n');
        s.append("Installed-Size: ").append(10 + random.nextInt(50_000)).append('\n');
        s.append("Maintainer: Debian Maintainer ").append(i % 500).append(" <maint").append(i % 500).append("@debian.org>\n");
        s.append("Architecture: amd64\n");
        s.append("Depends: libc6 (>= 2.34), libgcc-s1 (>= 3.0), libstdc++6 (>= 12), zlib1g (>= 1:1.2.0)");
        for (int d = random.nextInt(4); d > 0; d--) {
          s.append(", lib").append(Integer.toString(random.nextInt(count), 36)).append(" (>= ").append(random.nextInt(9)).append(".0)");
        }
        s.append('\n');
        s.append("Description: ");
        sentence(s, random, words, 6);
        s.append('\n');
        for (int line = 3 + random.nextInt(5); line > 0; line--) {
          s.append(' ');
          sentence(s, random, words, 10);
          s.append('\n');
        }
        s.append("Homepage: https://example.org/").append(source).append('\n');
        s.append("Description-md5: ").append(hex(random, 16)).append('\n');
        s.append("Tag: role::program, interface::commandline, implemented-in::c\n");
        s.append("Section: ").append(sections[random.nextInt(sections.length)]).append('\n');
        s.append("Priority: optional\n");
        s.append("Filename: pool/main/").append(dir).append('/').append(source).append('/')
            .append(name).append('_').append(version).append("_amd64.deb\n");
        s.append("Size: ").append(1000 + random.nextInt(5_000_000)).append('\n');
        s.append("MD5sum: ").append(hex(random, 16)).append('\n');
        s.append("SHA256: ").append(hex(random, 32)).append("\n\n");
        out.write(s.toString().getBytes(UTF_8));
      }
    }
  }

  private static void sentence(StringBuilder s, Random random, String[] words, int length) {
    for (int w = 0; w < length; w++) {
      if (w > 0) {
        s.append(' ');
      }
      s.append(words[random.nextInt(words.length)]);
    }
  }

  private static String hex(Random random, int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  /** A Release file as apt-ftparchive writes it, listing the two generated indexes. */
  private static String release(Path packages, Path packagesXz) throws IOException {
    StringBuilder s = new StringBuilder();
    s.append("Origin: Potluck Bench\nLabel: Potluck Bench\nSuite: stable\nCodename: bookworm\n");
    s.append("Date: Sat, 09 Nov 2024 09:56:04 UTC\nValid-Until: Mon, 16 Nov 2099 09:56:04 UTC\n");
    s.append("Acquire-By-Hash: yes\nArchitectures: amd64\nComponents: main\nDescription: bench\nSHA256:\n");
    for (Path p : List.of(packages, packagesXz)) {
      MessageDigest digest = Sha256.newDigest();
      digest.update(Files.readAllBytes(p));
      s.append(' ').append(Sha256.of(digest)).append(' ').append(Files.size(p))
          .append(" main/binary-amd64/").append(p.getFileName()).append('\n');
    }
    // Debian's Release lists ~600 files; pad with plausible entries so the parse cost is realistic.
    Random random = new Random(7);
    for (int i = 0; i < 600; i++) {
      s.append(' ').append(hex(random, 32)).append(' ').append(random.nextInt(10_000_000))
          .append(" main/i18n/Translation-l").append(i).append(".xz\n");
    }
    return s.toString();
  }

  private static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.3f", v);
  }

  /** gpg in a private home; the benchmark must not touch the user's keyrings. */
  private record Gpg(Path home) {

    void run(String... args) throws IOException, InterruptedException {
      List<String> command = new ArrayList<>(List.of("gpg", "--homedir", home.toString(), "--batch", "--yes",
          "--no-tty", "--quiet", "--pinentry-mode", "loopback"));
      command.addAll(List.of(args));
      Path log = home.resolve("log.txt");
      Process p = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("gpg timed out: " + command);
      }
      if (p.exitValue() != 0) {
        throw new IOException(command + " failed: " + Files.readString(log));
      }
    }

    byte[] export(Path out) throws IOException, InterruptedException {
      run("--output", out.toString(), "--export");
      return Files.readAllBytes(out);
    }

    byte[] clearSign(Path work, String text, String signer) throws IOException, InterruptedException {
      Path in = work.resolve("Release");
      Path out = work.resolve("InRelease-" + signer);
      Files.writeString(in, text);
      run("--passphrase", "", "--digest-algo", "SHA512", "--local-user", signer, "--output", out.toString(),
          "--clearsign", in.toString());
      return Files.readAllBytes(out);
    }

    void close() throws IOException, InterruptedException {
      new ProcessBuilder("gpgconf", "--homedir", home.toString(), "--kill", "all")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(30, TimeUnit.SECONDS);
    }
  }
}
