package dev.potluck.node.trust.rpm;

import java.io.InputStream;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * StAX readers for metadata from the network: no DTDs and no external entities, so a repository file
 * can neither make the node open other files or URLs nor blow up with nested entities.
 */
final class SafeXml {

  /** The namespace of {@code xml:base}. */
  static final String XML_NS = XMLConstants.XML_NS_URI;

  private static final XMLInputFactory FACTORY = newFactory();

  private SafeXml() {}

  private static XMLInputFactory newFactory() {
    XMLInputFactory f = XMLInputFactory.newFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    f.setProperty(XMLInputFactory.IS_COALESCING, true);
    return f;
  }

  /** A reader over {@code in}; the caller closes both. The factory is thread-safe once configured. */
  static XMLStreamReader open(InputStream in) throws XMLStreamException {
    return FACTORY.createXMLStreamReader(in);
  }
}
