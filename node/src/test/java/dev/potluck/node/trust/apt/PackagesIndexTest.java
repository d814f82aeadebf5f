package dev.potluck.node.trust.apt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdOutputStream;
import dev.potluck.protocol.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

class PackagesIndexTest {

  /** Stanzas shaped like Debian's, with the traps a naive parser falls into. */
  static String stanza(int i) {
    String name = "pkg" + i;
    return "Package: " + name + "\n"
        + "Version: 1." + i + "-1\n"
        + "Installed-Size: " + (100 + i) + "\n"
        + "Maintainer: Some One <some@example.org>\n"
        + "Architecture: amd64\n"
        + "Depends: libc6 (>= 2.34)\n"
        + "Description: package number " + i + "\n"
        + " A continuation line that mentions SHA256: and Size: and Filename: in passing.\n"
        + " .\n"
        + " Size: 999999\n"
        + "Homepage: https://example.org/" + name + "\n"
        + "Description-md5: " + md5Like(i) + "\n"
        + "Section: misc\n"
        + "Priority: optional\n"
        + "Filename: pool/main/p/" + name + "/" + name + "_1." + i + "-1_amd64.deb\n"
        + "Size: " + (1000 + i) + "\n"
        + "MD5sum: " + md5Like(i) + "\n"
        + "SHA256: " + Sha256.of(name) + "\n";
  }

  static String packages(int count) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < count; i++) {
      s.append(stanza(i)).append('\n');
    }
    return s.toString();
  }

  @Test
  void read_plainIndex_yieldsFilenameDigestAndSizeInOrder() throws Exception {
    List<PackageEntry> entries = new ArrayList<>();

    PackagesIndex.Summary summary = PackagesIndex.read(stream(packages(3)), entries::add);

    assertEquals(new PackagesIndex.Summary(3, 3, 0), summary);
    assertEquals(new PackageEntry("pool/main/p/pkg1/pkg1_1.1-1_amd64.deb", Sha256.of("pkg1"), 1001), entries.get(1));
  }

  @Test
  void read_stanzaWithoutSha256_isSkippedAndCounted() throws Exception {
    String text = "Package: old\nFilename: pool/old.deb\nSize: 5\nMD5sum: " + md5Like(1) + "\n\n" + stanza(7);
    List<PackageEntry> entries = new ArrayList<>();

    PackagesIndex.Summary summary = PackagesIndex.read(stream(text), entries::add);

    assertEquals(new PackagesIndex.Summary(2, 1, 1), summary);
    assertEquals("pool/main/p/pkg7/pkg7_1.7-1_amd64.deb", entries.get(0).filename());
  }

  @Test
  void read_crlfExtraBlankLinesAndNoFinalNewline_areTolerated() throws Exception {
    String text = "\n\n" + (stanza(1) + "\n\n\n" + stanza(2)).replace("\n", "\r\n").stripTrailing();
    List<PackageEntry> entries = new ArrayList<>();

    PackagesIndex.Summary summary = PackagesIndex.read(stream(text), entries::add);

    assertEquals(2, summary.entries());
    assertEquals(Sha256.of("pkg2"), entries.get(1).sha256());
    assertEquals(1002, entries.get(1).size());
  }

  @Test
  void read_upperCaseDigestAndFieldNames_areNormalised() throws Exception {
    String hex = Sha256.of("x").hex();
    String text = "FILENAME: pool/x.deb\nsize:   12 \nSha256: " + hex.toUpperCase() + "\n";
    List<PackageEntry> entries = new ArrayList<>();

    PackagesIndex.read(stream(text), entries::add);

    assertEquals(List.of(new PackageEntry("pool/x.deb", new Sha256(hex), 12)), entries);
  }

  @Test
  void read_longUnwantedLines_crossBufferBoundaries() throws Exception {
    String longLine = "Description: " + "x".repeat(200_000) + "\n";
    String text = stanza(1) + "\n" + longLine + stanza(2).replace("Package:", "Package-Extra:") + "\n" + stanza(3);
    List<PackageEntry> entries = new ArrayList<>();

    PackagesIndex.Summary summary = PackagesIndex.read(stream(text), entries::add);

    assertEquals(3, summary.entries());
    assertEquals("pool/main/p/pkg3/pkg3_1.3-1_amd64.deb", entries.get(2).filename());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Packages", "Packages.gz", "Packages.xz", "Packages.zst", "Packages.bz2"})
  void read_compressedIndex_decompressesByName(String name) throws Exception {
    byte[] plain = packages(2_000).getBytes(UTF_8);
    byte[] file = compress(plain, name);
    List<PackageEntry> entries = new ArrayList<>();

    try (InputStream in = Decompression.open(new ByteArrayInputStream(file), "dists/stable/main/binary-amd64/" + name)) {
      PackagesIndex.Summary summary = PackagesIndex.read(in, entries::add);
      assertEquals(2_000, summary.entries());
    }
    assertEquals(new PackageEntry("pool/main/p/pkg1999/pkg1999_1.1999-1_amd64.deb", Sha256.of("pkg1999"), 2999),
        entries.get(1999));
  }

  @Test
  void open_wrongCompression_failsNamingTheFormat() {
    IOException e = assertThrows(IOException.class,
        () -> Decompression.open(new ByteArrayInputStream("Package: x\n".getBytes(UTF_8)), "Packages.xz"));

    assertTrue(e.getMessage().startsWith("cannot read as XZ (.xz)"), e.getMessage());
  }

  @Test
  void open_lz4_isRefusedClearly() {
    IOException e = assertThrows(IOException.class,
        () -> Decompression.open(new ByteArrayInputStream(new byte[16]), "Packages.lz4"));

    assertTrue(e.getMessage().contains("lz4"), e.getMessage());
  }

  @Test
  void formatOf_choosesBySuffix() {
    assertEquals(Decompression.Format.ZSTD, Decompression.formatOf("Packages.zst"));
    assertEquals(Decompression.Format.LZMA, Decompression.formatOf("Packages.lzma"));
    assertEquals(Decompression.Format.NONE, Decompression.formatOf("Packages"));
    assertEquals(Decompression.Format.NONE, Decompression.formatOf("Packages.diff/Index"));
  }

  @Test
  void read_badDigest_failsNamingTheLine() {
    String text = "Filename: pool/x.deb\nSize: 1\nSHA256: " + "z".repeat(64) + "\n";

    AptFormatException e = assertThrows(AptFormatException.class, () -> PackagesIndex.read(stream(text), entry -> {}));

    assertEquals("line 3: SHA256 has a non-hex character 'z'", e.getMessage());
  }

  @Test
  void read_shortDigest_fails() {
    String text = "Filename: pool/x.deb\nSize: 1\nSHA256: abc\n";

    AptFormatException e = assertThrows(AptFormatException.class, () -> PackagesIndex.read(stream(text), entry -> {}));

    assertTrue(e.getMessage().contains("64 hex digits, got 3"), e.getMessage());
  }

  @Test
  void read_badSize_fails() {
    String text = "Filename: pool/x.deb\nSize: 12k\nSHA256: " + Sha256.of("x") + "\n";

    AptFormatException e = assertThrows(AptFormatException.class, () -> PackagesIndex.read(stream(text), entry -> {}));

    assertEquals("line 2: bad Size '12k'", e.getMessage());
  }

  @Test
  void read_digestWithoutFilenameOrSize_fails() {
    String noName = "Package: x\nSize: 1\nSHA256: " + Sha256.of("x") + "\n";
    String noSize = "\n\nPackage: x\nFilename: pool/x.deb\nSHA256: " + Sha256.of("x") + "\n";

    AptFormatException e1 = assertThrows(AptFormatException.class, () -> PackagesIndex.read(stream(noName), entry -> {}));
    AptFormatException e2 = assertThrows(AptFormatException.class, () -> PackagesIndex.read(stream(noSize), entry -> {}));

    assertEquals("stanza at line 1 has a SHA256 but no Filename", e1.getMessage());
    assertEquals("stanza at line 3 (pool/x.deb) has a SHA256 but no Size", e2.getMessage());
  }

  @Test
  void read_filenameEscapingTheRepository_fails() {
    for (String bad : List.of("/etc/passwd", "pool/../../etc/passwd", "..")) {
      String text = "Filename: " + bad + "\nSize: 1\nSHA256: " + Sha256.of("x") + "\n";

      AptFormatException e = assertThrows(AptFormatException.class, () -> PackagesIndex.read(stream(text), entry -> {}));

      assertTrue(e.getMessage().contains("relative path without '..'"), e.getMessage());
    }
  }

  @Test
  void read_lineWithoutColon_fails() {
    AptFormatException e = assertThrows(AptFormatException.class,
        () -> PackagesIndex.read(stream("Package: x\n<html>\n"), entry -> {}));

    assertEquals("line 2: expected 'Field: value', found no ':'", e.getMessage());
  }

  static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(UTF_8));
  }

  static byte[] compress(byte[] plain, String name) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = compressor(bytes, name)) {
      out.write(plain);
    }
    return bytes.toByteArray();
  }

  private static OutputStream compressor(OutputStream out, String name) throws IOException {
    if (name.endsWith(".gz")) {
      return new GZIPOutputStream(out);
    } else if (name.endsWith(".xz")) {
      return new XZOutputStream(out, new LZMA2Options(1));
    } else if (name.endsWith(".zst")) {
      return new ZstdOutputStream(out);
    } else if (name.endsWith(".bz2")) {
      return new BZip2CompressorOutputStream(out);
    }
    return out;
  }

  private static String md5Like(int i) {
    return Sha256.of("md5-" + i).hex().substring(0, 32);
  }
}
