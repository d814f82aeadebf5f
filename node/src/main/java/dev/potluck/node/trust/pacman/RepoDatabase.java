package dev.potluck.node.trust.pacman;

import dev.potluck.node.trust.apt.Decompression;
import dev.potluck.protocol.Sha256;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads a pacman repository database ({@code core.db}, as {@code repo-add} writes it): a tar archive,
 * gzip-, xz-, zstd- or bzip2-compressed or not, holding one {@code <name>-<version>/desc} per package.
 * The compression is told by the first bytes, since the {@code .db} name does not say. Of each desc
 * only {@code %FILENAME%}, {@code %SHA256SUM%}, {@code %CSIZE%} and {@code %PGPSIG%} are kept.
 */
final class RepoDatabase {

  /** A desc is a few hundred bytes; anything much larger is not one. */
  static final int MAX_DESC_BYTES = 1 << 20;

  private RepoDatabase() {}

  /**
   * One package file as the database lists it: a bare file name next to the database; and its detached
   * signature ({@code <filename>.sig}) when the database carries it ({@code %PGPSIG%}), else null.
   */
  record Entry(String filename, Sha256 sha256, long size, Signature signature) {
    Entry(String filename, Sha256 sha256, long size) {
      this(filename, sha256, size, null);
    }
  }

  /** A package's {@code .sig} file as {@code %PGPSIG%} gives it: its digest and length. */
  record Signature(Sha256 sha256, long size) {}

  interface Sink {
    void accept(Entry entry);
  }

  /** How many desc entries there were, and how many lacked a usable file name, SHA-256 or size. */
  record Summary(int packages, int skipped) {}

  static Summary read(InputStream raw, Sink sink) throws IOException, PacmanFormatException {
    BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
    Decompression.Format format = sniff(buffered);
    int packages = 0;
    int skipped = 0;
    try (InputStream in = Decompression.open(buffered, format);
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry entry;
      boolean any = false;
      while ((entry = tar.getNextEntry()) != null) {
        any = true;
        String name = entry.getName();
        if (!entry.isFile() || !(name.endsWith("/desc") || name.equals("desc"))) {
          continue;
        }
        packages++;
        Entry parsed = parseDesc(readDesc(tar, name));
        if (parsed == null) {
          skipped++;
        } else {
          sink.accept(parsed);
        }
      }
      if (!any) {
        throw new PacmanFormatException("not a pacman database: an empty or unreadable tar archive ("
            + describe(format) + ")");
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new PacmanFormatException("not a readable pacman database (" + describe(format) + "): " + e.getMessage(), e);
    }
    return new Summary(packages, skipped);
  }

  /** The compression the first bytes announce; NONE for a plain tar. */
  static Decompression.Format sniff(BufferedInputStream in) throws IOException, PacmanFormatException {
    in.mark(512);
    byte[] head = in.readNBytes(262);
    in.reset();
    if (startsWith(head, 0x1f, 0x8b)) {
      return Decompression.Format.GZIP;
    }
    if (startsWith(head, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
      return Decompression.Format.XZ;
    }
    if (startsWith(head, 0x28, 0xb5, 0x2f, 0xfd)) {
      return Decompression.Format.ZSTD;
    }
    if (startsWith(head, 'B', 'Z', 'h')) {
      return Decompression.Format.BZIP2;
    }
    if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
      return Decompression.Format.NONE;
    }
    throw new PacmanFormatException("not a pacman database: neither a tar archive nor gzip, xz, zstd or bzip2"
        + " (it starts with " + preview(head) + ")");
  }

  private static byte[] readDesc(InputStream tar, String name) throws IOException, PacmanFormatException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    byte[] buffer = new byte[8192];
    int n;
    while ((n = tar.read(buffer)) > 0) {
      out.write(buffer, 0, n);
      if (out.size() > MAX_DESC_BYTES) {
        throw new PacmanFormatException(name + " is larger than " + MAX_DESC_BYTES + " bytes: not a desc entry");
      }
    }
    return out.toByteArray();
  }

  /** A desc's file name, SHA-256 and compressed size; null when one of them is missing or unusable. */
  static Entry parseDesc(byte[] desc) {
    String filename = null;
    String sha256 = null;
    String csize = null;
    String pgpsig = null;
    String field = null;
    for (String line : new String(desc, StandardCharsets.UTF_8).split("\n", -1)) {
      line = line.strip();
      if (line.isEmpty()) {
        field = null;
      } else if (line.length() > 2 && line.startsWith("%") && line.endsWith("%")) {
        field = line;
      } else if (field != null) {
        switch (field) {
          case "%FILENAME%" -> filename = filename == null ? line : filename;
          case "%SHA256SUM%" -> sha256 = sha256 == null ? line : sha256;
          case "%CSIZE%" -> csize = csize == null ? line : csize;
          case "%PGPSIG%" -> pgpsig = pgpsig == null ? line : pgpsig;
          default -> { }
        }
      }
    }
    if (filename == null || sha256 == null || csize == null
        || filename.contains("/") || filename.contains("\\") || filename.equals(".") || filename.equals("..")) {
      return null;
    }
    try {
      long size = Long.parseLong(csize);
      return size < 0 ? null : new Entry(filename, Sha256.parse(sha256), size, signature(pgpsig));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The {@code .sig} file {@code %PGPSIG%} holds in base64, or null when there is none or it is not base64. */
  static Signature signature(String base64) {
    if (base64 == null) {
      return null;
    }
    try {
      byte[] sig = Base64.getDecoder().decode(base64);
      return sig.length == 0 ? null : new Signature(Sha256.of(sig), sig.length);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
  }

  private static String describe(Decompression.Format format) {
    return format == Decompression.Format.NONE ? "a plain tar"
        : "a tar compressed with " + format.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static boolean startsWith(byte[] head, int... magic) {
    if (head.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((head[i] & 0xff) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  private static String preview(byte[] head) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(8, head.length); i++) {
      out.append(String.format("%02x", head[i] & 0xff));
    }
    return head.length == 0 ? "nothing: it is empty" : "0x" + out;
  }
}
