package dev.potluck.node.trust.apt;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Opens an index file as apt names it ({@code Packages.xz}, {@code Sources.gz}, {@code Packages})
 * for reading its uncompressed bytes, the compression chosen by the name's suffix, as apt does.
 */
public final class Decompression {

  /** The compressions apt knows, with the suffix that selects each. */
  public enum Format {
    NONE(""),
    GZIP(".gz"),
    XZ(".xz"),
    LZMA(".lzma"),
    ZSTD(".zst"),
    BZIP2(".bz2"),
    /** Recognised so it can be refused clearly: no Debian or Ubuntu archive publishes only lz4. */
    LZ4(".lz4");

    private final String suffix;

    Format(String suffix) {
      this.suffix = suffix;
    }

    public String suffix() {
      return suffix;
    }
  }

  // A decoder's memory grows with the dictionary the file asks for; xz -9 needs 65 MiB. Refusing more
  // keeps a hostile file from taking the node's heap before its digest is even known.
  private static final int XZ_MEMORY_LIMIT_KIB = 128 * 1024;
  private static final int INPUT_BUFFER = 1 << 16;

  private Decompression() {}

  /** The format {@code fileName} (a name or a path) selects; {@link Format#NONE} for any other suffix. */
  public static Format formatOf(String fileName) {
    for (Format format : Format.values()) {
      if (format != Format.NONE && fileName.endsWith(format.suffix())) {
        return format;
      }
    }
    return Format.NONE;
  }

  /**
   * {@code raw} decompressed as {@code fileName}'s suffix says. Closing the result closes {@code raw}.
   *
   * @throws IOException if the header is not that format's, or for {@code .lz4}, which is not supported
   */
  public static InputStream open(InputStream raw, String fileName) throws IOException {
    return open(raw, formatOf(fileName));
  }

  /** {@code raw} decompressed as {@code format}. Closing the result closes {@code raw}. */
  public static InputStream open(InputStream raw, Format format) throws IOException {
    // The Java decoders read their input in small pieces; a buffer turns those into few large reads.
    InputStream in = format == Format.NONE || format == Format.ZSTD ? raw : new BufferedInputStream(raw, INPUT_BUFFER);
    try {
      return switch (format) {
        case NONE -> raw;
        case GZIP -> new GZIPInputStream(in, INPUT_BUFFER);
        case XZ -> new XZInputStream(in, XZ_MEMORY_LIMIT_KIB);
        case LZMA -> new LZMAInputStream(in, XZ_MEMORY_LIMIT_KIB);
        case ZSTD -> new ZstdInputStream(in);
        case BZIP2 -> new BZip2CompressorInputStream(in, true);
        case LZ4 -> throw new IOException(
            "lz4-compressed indexes are not supported; use another compression the Release file lists");
      };
    } catch (IOException e) {
      raw.close();
      throw new IOException("cannot read as " + format + " (" + format.suffix() + "): " + e.getMessage(), e);
    } catch (RuntimeException e) {
      raw.close();
      throw e;
    }
  }
}
