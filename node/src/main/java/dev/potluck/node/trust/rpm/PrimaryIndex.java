package dev.potluck.node.trust.rpm;

import dev.potluck.protocol.Sha256;
import java.io.InputStream;
import java.util.Locale;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Streams a dnf {@code primary.xml}: for each {@code <package>}, its {@code <location href>} (and
 * {@code xml:base}), {@code <checksum type="sha256">} and {@code <size package>}. Only those children of
 * {@code <package>} are read; the file lists, dependencies and descriptions stream past. Memory stays
 * flat in the file's size (Fedora's primary is some 100 MB uncompressed).
 */
final class PrimaryIndex {

  static final String COMMON_NS = "http://linux.duke.edu/metadata/common";

  private PrimaryIndex() {}

  /**
   * One package as primary lists it.
   *
   * @param href relative to the repository root, or to {@code base} when that is not null
   * @param base the location's {@code xml:base}, or null
   */
  record Entry(String href, String base, Sha256 sha256, long size) {}

  /** Receives each usable package entry. */
  interface Sink {
    void accept(Entry entry);
  }

  /** What reading skipped: packages without a SHA-256 checksum (sha1, md5) or without a location or size. */
  record Summary(int packages, int skipped) {}

  static Summary read(InputStream in, Sink sink) throws RepodataException {
    try {
      XMLStreamReader r = SafeXml.open(in);
      try {
        return read(r, sink);
      } finally {
        r.close();
      }
    } catch (XMLStreamException | RuntimeException e) {
      throw new RepodataException("malformed primary: " + e.getMessage(), e);
    }
  }

  private static Summary read(XMLStreamReader r, Sink sink) throws XMLStreamException, RepodataException {
    int depth = 0;
    int packages = 0;
    int skipped = 0;
    boolean sawRoot = false;
    boolean inPackage = false;
    String href = null;
    String base = null;
    String checksumType = null;
    String checksum = null;
    long size = -1;
    while (r.hasNext()) {
      int event = r.next();
      if (event == XMLStreamConstants.START_ELEMENT) {
        depth++;
        String name = r.getLocalName();
        if (depth == 1) {
          if (!name.equals("metadata")) {
            throw new RepodataException("not a primary: its root element is <" + name + ">");
          }
          sawRoot = true;
        } else if (depth == 2 && name.equals("package")) {
          inPackage = true;
          href = null;
          base = null;
          checksumType = null;
          checksum = null;
          size = -1;
        } else if (inPackage && depth == 3 && COMMON_NS.equals(r.getNamespaceURI())) {
          switch (name) {
            case "location" -> {
              href = r.getAttributeValue(null, "href");
              base = r.getAttributeValue(SafeXml.XML_NS, "base");
            }
            case "checksum" -> {
              checksumType = r.getAttributeValue(null, "type");
              checksum = r.getElementText().trim();
              depth--;
            }
            case "size" -> size = parseSize(r.getAttributeValue(null, "package"));
            default -> { }
          }
        }
      } else if (event == XMLStreamConstants.END_ELEMENT) {
        if (depth == 2 && inPackage) {
          inPackage = false;
          packages++;
          Sha256 sha256 = checksumType != null && checksumType.toLowerCase(Locale.ROOT).equals("sha256")
              ? sha256OrNull(checksum) : null;
          if (sha256 == null || href == null || href.isEmpty() || size < 0) {
            skipped++;
          } else {
            sink.accept(new Entry(href, base, sha256, size));
          }
        }
        depth--;
      }
    }
    if (!sawRoot) {
      throw new RepodataException("not a primary: no <metadata> element");
    }
    return new Summary(packages, skipped);
  }

  private static Sha256 sha256OrNull(String text) {
    try {
      return Sha256.parse(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static long parseSize(String text) {
    if (text == null) {
      return -1;
    }
    try {
      return Math.max(-1, Long.parseLong(text.trim()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
