package dev.potluck.node.trust.rpm;

import dev.potluck.protocol.Sha256;
import java.io.ByteArrayInputStream;
import java.util.Locale;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * What a {@code repodata/repomd.xml} says about the repository's {@code primary} file: where it is and
 * the SHA-256 of its bytes as stored (compressed). The other data types (filelists, other, sqlite,
 * updateinfo, comps) are of no use for vouching for packages and are not read.
 *
 * @param href the primary's location, relative to the repository root (or to {@code base})
 * @param base the location's {@code xml:base}, or null
 * @param sha256 the digest of the primary file as stored
 * @param size its length in bytes, or -1 when repomd does not say
 */
record Repomd(String href, String base, Sha256 sha256, long size) {

  static final String REPO_NS = "http://linux.duke.edu/metadata/repo";

  /** Reads {@code xml}; throws when it has no usable primary entry, naming why. */
  static Repomd parse(byte[] xml) throws RepodataException {
    try {
      XMLStreamReader r = SafeXml.open(new ByteArrayInputStream(xml));
      try {
        return read(r);
      } finally {
        r.close();
      }
    } catch (XMLStreamException | RuntimeException e) {
      throw new RepodataException("malformed repomd.xml: " + e.getMessage(), e);
    }
  }

  private static Repomd read(XMLStreamReader r) throws XMLStreamException, RepodataException {
    boolean sawRoot = false;
    boolean inPrimary = false;
    int depth = 0;
    String checksumType = null;
    String checksum = null;
    String href = null;
    String base = null;
    long size = -1;
    while (r.hasNext()) {
      int event = r.next();
      if (event == XMLStreamConstants.START_ELEMENT) {
        depth++;
        String name = r.getLocalName();
        if (depth == 1) {
          if (!name.equals("repomd")) {
            throw new RepodataException("not a repomd.xml: its root element is <" + name + ">");
          }
          sawRoot = true;
        } else if (depth == 2 && name.equals("data") && "primary".equals(r.getAttributeValue(null, "type"))) {
          if (href != null) {
            throw new RepodataException("repomd.xml lists more than one primary");
          }
          inPrimary = true;
        } else if (inPrimary && depth == 3) {
          switch (name) {
            case "checksum" -> {
              checksumType = r.getAttributeValue(null, "type");
              checksum = r.getElementText().trim();
              depth--;
            }
            case "location" -> {
              href = r.getAttributeValue(null, "href");
              base = r.getAttributeValue(SafeXml.XML_NS, "base");
            }
            case "size" -> {
              size = parseSize(r.getElementText().trim());
              depth--;
            }
            default -> { }
          }
        }
      } else if (event == XMLStreamConstants.END_ELEMENT) {
        if (depth == 2 && inPrimary) {
          inPrimary = false;
          if (href == null) {
            href = "";
          }
        }
        depth--;
      }
    }
    if (!sawRoot) {
      throw new RepodataException("not a repomd.xml: no <repomd> element");
    }
    if (href == null || href.isEmpty()) {
      throw new RepodataException("repomd.xml lists no primary with a location");
    }
    if (checksumType == null || checksum == null) {
      throw new RepodataException("repomd.xml gives no checksum for its primary");
    }
    String type = checksumType.toLowerCase(Locale.ROOT);
    if (!type.equals("sha256")) {
      throw new RepodataException("repomd.xml checks its primary with " + checksumType
          + ", not sha256; its packages are not vouched for");
    }
    Sha256 sha256;
    try {
      sha256 = Sha256.parse(checksum);
    } catch (IllegalArgumentException e) {
      throw new RepodataException("repomd.xml's primary checksum is not a SHA-256: '" + abbreviate(checksum) + "'");
    }
    return new Repomd(href, base, sha256, size);
  }

  private static long parseSize(String text) throws RepodataException {
    try {
      long size = Long.parseLong(text);
      if (size < 0) {
        throw new NumberFormatException();
      }
      return size;
    } catch (NumberFormatException e) {
      throw new RepodataException("repomd.xml's primary size is not a size: '" + abbreviate(text) + "'");
    }
  }

  static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "…";
  }
}
