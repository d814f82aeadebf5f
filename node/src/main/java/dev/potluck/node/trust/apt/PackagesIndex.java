package dev.potluck.node.trust.apt;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Streams a {@code Packages} index and hands over, stanza by stanza, the {@code Filename},
 * {@code SHA256} and {@code Size} apt will check each package against.
 *
 * <p>Debian's main/amd64 index is 60,000+ stanzas and ~70 MB uncompressed, so this reads bytes
 * through one fixed buffer with a small state machine: no line Strings, no whole-file copy; only
 * the three wanted values of each stanza are turned into objects. Other fields, and continuation
 * lines (a Description's, which may contain anything), are skipped unread.
 *
 * <p>A stanza without {@code SHA256} (old repositories list only MD5sum) is skipped and counted. A
 * stanza that has one must also have a well-formed {@code Filename} (relative, no {@code ..}) and
 * {@code Size}, or the whole read fails with the line number: half a trust chain is worse than none.
 */
public final class PackagesIndex {

  /**
   * What one read saw.
   *
   * @param stanzas paragraphs read
   * @param entries entries handed to the callback
   * @param withoutSha256 stanzas skipped for lack of a {@code SHA256} field
   */
  public record Summary(long stanzas, long entries, long withoutSha256) {}

  // Longer values of the wanted fields are not real package file names or sizes.
  private static final int MAX_VALUE = 4096;
  private static final int MAX_NAME = 32;
  private static final int BUFFER = 1 << 16;

  private static final byte[] FILENAME = ascii("filename");
  private static final byte[] SHA256 = ascii("sha256");
  private static final byte[] SIZE = ascii("size");

  private static final int LINE_START = 0;
  private static final int NAME = 1;
  private static final int VALUE = 2;
  private static final int SKIP = 3;

  private static final int FIELD_FILENAME = 1;
  private static final int FIELD_SHA256 = 2;
  private static final int FIELD_SIZE = 3;

  private PackagesIndex() {}

  /**
   * Reads {@code in} (already decompressed, see {@link Decompression}) to its end, calling
   * {@code sink} once per stanza that has a {@code SHA256}, in file order. Does not close {@code in}.
   *
   * @throws AptFormatException for a field line without a colon, a bad digest, size or file name, or
   *     a stanza with a digest but without a file name or size; the message gives the line
   */
  public static Summary read(InputStream in, Consumer<PackageEntry> sink) throws IOException, AptFormatException {
    return new Parser(sink).run(in);
  }

  /** One read's state; the hot loop keeps it in locals and writes it back only at line ends. */
  private static final class Parser {
    private final Consumer<PackageEntry> sink;
    private final byte[] name = new byte[MAX_NAME];
    private final byte[] value = new byte[MAX_VALUE];

    private long line = 1;
    private long stanzaLine = 1;
    private boolean inStanza;
    private String filename;
    private String sha256;
    private long size = -1;
    private long stanzas;
    private long entries;
    private long withoutSha256;

    Parser(Consumer<PackageEntry> sink) {
      this.sink = sink;
    }

    Summary run(InputStream in) throws IOException, AptFormatException {
      byte[] buf = new byte[BUFFER];
      int state = LINE_START;
      int nameLength = 0;
      int valueLength = 0;
      int field = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          switch (state) {
            case LINE_START -> {
              if (b == '\n') {
                endStanza();
                line++;
              } else if (b == ' ' || b == '\t') {
                state = SKIP; // a continuation line
              } else if (b != '\r') {
                if (!inStanza) {
                  inStanza = true;
                  stanzaLine = line;
                }
                name[0] = b;
                nameLength = 1;
                state = NAME;
              }
            }
            case NAME -> {
              if (b == ':') {
                field = fieldOf(name, nameLength);
                valueLength = 0;
                state = field == 0 ? SKIP : VALUE;
              } else if (b == '\n') {
                throw new AptFormatException("line " + line + ": expected 'Field: value', found no ':'");
              } else if (nameLength < MAX_NAME) {
                name[nameLength++] = b;
              } else {
                state = SKIP; // longer than any field we want: not one of ours
              }
            }
            case VALUE -> {
              if (b == '\n') {
                value(field, valueLength);
                line++;
                state = LINE_START;
              } else if (valueLength < MAX_VALUE) {
                value[valueLength++] = b;
              } else {
                throw new AptFormatException("line " + line + ": value longer than " + MAX_VALUE + " bytes");
              }
            }
            default -> {
              // Most bytes are in lines nobody wants (Description, Depends): find their end in a
              // tight loop rather than one trip through the switch per byte.
              int j = i;
              while (j < n && buf[j] != '\n') {
                j++;
              }
              i = j;
              if (j < n) {
                line++;
                state = LINE_START;
              }
            }
          }
        }
      }
      // The last line may lack its newline.
      if (state == VALUE) {
        value(field, valueLength);
      } else if (state == NAME) {
        throw new AptFormatException("line " + line + ": expected 'Field: value', found no ':'");
      }
      endStanza();
      return new Summary(stanzas, entries, withoutSha256);
    }

    private static int fieldOf(byte[] name, int length) {
      if (equalsIgnoreCase(name, length, FILENAME)) {
        return FIELD_FILENAME;
      } else if (equalsIgnoreCase(name, length, SHA256)) {
        return FIELD_SHA256;
      } else if (equalsIgnoreCase(name, length, SIZE)) {
        return FIELD_SIZE;
      }
      return 0;
    }

    private void value(int field, int length) throws AptFormatException {
      int start = 0;
      while (start < length && (value[start] == ' ' || value[start] == '\t')) {
        start++;
      }
      int end = length;
      while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t' || value[end - 1] == '\r')) {
        end--;
      }
      switch (field) {
        case FIELD_FILENAME -> filename = filename(start, end);
        case FIELD_SHA256 -> sha256 = sha256(start, end);
        case FIELD_SIZE -> size = size(start, end);
        default -> throw new IllegalStateException("field " + field);
      }
    }

    private String filename(int start, int end) throws AptFormatException {
      String name = new String(value, start, end - start, UTF_8);
      // These names become cache keys and paths under a mirror: refuse anything that could escape it.
      if (name.isEmpty() || name.charAt(0) == '/' || name.contains("\\")
          || ("/" + name + "/").contains("/../") || name.indexOf('\0') >= 0) {
        throw new AptFormatException("line " + line + ": Filename must be a relative path without '..': '" + name + "'");
      }
      return name;
    }

    private String sha256(int start, int end) throws AptFormatException {
      if (end - start != Sha256.HEX_LENGTH) {
        throw new AptFormatException(
            "line " + line + ": SHA256 must be 64 hex digits, got " + (end - start) + " characters");
      }
      for (int i = start; i < end; i++) {
        byte c = value[i];
        if (c >= 'A' && c <= 'F') {
          value[i] = (byte) (c + ('a' - 'A'));
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
          throw new AptFormatException("line " + line + ": SHA256 has a non-hex character '" + (char) (c & 0xff) + "'");
        }
      }
      return new String(value, start, end - start, ISO_8859_1);
    }

    private long size(int start, int end) throws AptFormatException {
      if (start == end || end - start > 18) {
        throw new AptFormatException("line " + line + ": bad Size '" + new String(value, start, end - start, UTF_8) + "'");
      }
      long v = 0;
      for (int i = start; i < end; i++) {
        int d = value[i] - '0';
        if (d < 0 || d > 9) {
          throw new AptFormatException("line " + line + ": bad Size '" + new String(value, start, end - start, UTF_8) + "'");
        }
        v = v * 10 + d;
      }
      return v;
    }

    private void endStanza() throws AptFormatException {
      if (!inStanza) {
        return;
      }
      stanzas++;
      if (sha256 == null) {
        withoutSha256++;
      } else if (filename == null) {
        throw new AptFormatException("stanza at line " + stanzaLine + " has a SHA256 but no Filename");
      } else if (size < 0) {
        throw new AptFormatException("stanza at line " + stanzaLine + " (" + filename + ") has a SHA256 but no Size");
      } else {
        entries++;
        sink.accept(new PackageEntry(filename, new Sha256(sha256), size));
      }
      inStanza = false;
      filename = null;
      sha256 = null;
      size = -1;
    }
  }

  private static boolean equalsIgnoreCase(byte[] name, int length, byte[] lowerCase) {
    if (length != lowerCase.length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      int c = name[i];
      if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      if (c != lowerCase[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(ISO_8859_1);
  }
}
