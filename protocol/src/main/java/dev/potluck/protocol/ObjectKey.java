package dev.potluck.protocol;

/**
 * The name of a shared object: the SHA-256 of its canonical URL. Keys are what nodes exchange and what
 * the peer API serves by, so a peer can never be asked for a path; the 64-hex form is also a safe file
 * name.
 */
public record ObjectKey(String id) {

  public ObjectKey {
    if (!Hex.isLowerHex(id, Sha256.HEX_LENGTH)) {
      throw new IllegalArgumentException("not an object key (64 lower-case hex digits): '"
          + (id == null ? "null" : id.length() > 80 ? id.substring(0, 77) + "..." : id) + "'");
    }
  }

  public static ObjectKey of(CanonicalUrl url) {
    return new ObjectKey(Sha256.of(url.toString()).hex());
  }

  @Override
  public String toString() {
    return id;
  }
}
