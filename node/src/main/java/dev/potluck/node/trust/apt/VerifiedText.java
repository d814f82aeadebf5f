package dev.potluck.node.trust.apt;

import java.time.Instant;

/**
 * Text whose signature checked out, and who signed it when.
 *
 * @param text exactly what the signature covers, decoded as UTF-8: for a clearsigned message its
 *     signed lines (dash-escaping undone, trailing blanks removed, as the signature defines them)
 *     joined by {@code \n} and ending with one; for a detached signature the whole signed file.
 *     Never anything outside the signature.
 * @param keyId the id of the key, primary or subkey, that made the signature
 * @param primaryKeyId the id of that key's primary key (equal to {@code keyId} unless a subkey signed)
 * @param signedAt the signature's creation time
 */
public record VerifiedText(String text, long keyId, long primaryKeyId, Instant signedAt) {

  /** {@link #keyId} in gpg's spelling. */
  public String keyIdHex() {
    return TrustedKeys.hex(keyId);
  }
}
