package dev.potluck.node.trust.apt;

import static dev.potluck.node.trust.apt.VerificationException.Reason.BAD_SIGNATURE;
import static dev.potluck.node.trust.apt.VerificationException.Reason.MALFORMED;
import static dev.potluck.node.trust.apt.VerificationException.Reason.NO_SIGNATURE;
import static dev.potluck.node.trust.apt.VerificationException.Reason.UNKNOWN_KEY;
import static dev.potluck.node.trust.apt.VerificationException.Reason.UNUSABLE_KEY;
import static dev.potluck.node.trust.apt.VerificationException.Reason.WEAK_DIGEST;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPObjectFactory;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPSignatureSubpacketVector;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.PGPContentVerifierBuilderProvider;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * Checks apt's signed metadata against {@link TrustedKeys}: a clearsigned {@code InRelease}, or a
 * {@code Release} file with its detached {@code Release.gpg} (binary or armored).
 *
 * <p>The rules are apt's (through gpgv): the text is accepted when at least one signature is good and
 * made by a trusted, usable key, and no trusted key's signature is bad. Signatures by keys not in the
 * keyring are ignored when another signature is good (Debian signs with several keys, and a host may
 * trust only some). A usable key is neither revoked nor expired at {@code now}; a subkey must be bound
 * to its primary key by a valid binding signature that allows signing. Digests apt calls weak (MD5,
 * SHA-1, RIPEMD-160) are refused.
 *
 * <p>Pure: bytes in, a {@link VerifiedText} or a {@link VerificationException} out; time is passed in.
 * Instances are immutable and safe to share between threads.
 */
public final class OpenPgpVerifier {

  private static final byte[] CLEARSIGN_HEADER = "-----BEGIN PGP SIGNED MESSAGE-----".getBytes(US_ASCII);
  private static final byte[] ARMOR_HEADER = "-----BEGIN PGP SIGNATURE-----".getBytes(US_ASCII);

  // The lightweight BouncyCastle API: no JCA provider to register, so no global state.
  private static final PGPContentVerifierBuilderProvider VERIFIERS = new BcPGPContentVerifierBuilderProvider();

  private final TrustedKeys keys;

  public OpenPgpVerifier(TrustedKeys keys) {
    this.keys = keys;
  }

  /**
   * Verifies a clearsigned message ({@code InRelease}) and returns its signed text only: anything
   * before the message or after its signature is never part of the result.
   *
   * @param now the time against which key expiry is judged
   */
  public VerifiedText verifyClearSigned(byte[] message, Instant now) throws VerificationException {
    if (!startsWithHeader(message)) {
      throw new VerificationException(
          NO_SIGNATURE,
          "not a clearsigned message: it does not start with " + new String(CLEARSIGN_HEADER, US_ASCII)
              + " (starts with '" + preview(message) + "')");
    }
    ClearText clear;
    List<PGPSignature> signatures;
    try {
      ArmoredInputStream armored = new ArmoredInputStream(new ByteArrayInputStream(message));
      if (!armored.isClearText()) {
        throw new VerificationException(MALFORMED, "not a clearsigned message: no clear text after the header");
      }
      clear = ClearText.read(armored);
      signatures = signatures(armored);
    } catch (IOException | RuntimeException e) {
      // BouncyCastle reports bad armor (CRC, base64, headers) with IOExceptions and some unchecked ones.
      throw new VerificationException(MALFORMED, "malformed clearsigned message: " + describe(e), e);
    }
    if (signatures.isEmpty()) {
      throw new VerificationException(NO_SIGNATURE, "the clearsigned message has no signature after its text");
    }
    return check(signatures, sig -> sig.update(clear.canonical()), clear.text(), now);
  }

  /**
   * Verifies {@code signedFile} ({@code Release}) against a detached signature ({@code Release.gpg},
   * binary or armored) and returns the whole file as its text.
   *
   * @param now the time against which key expiry is judged
   */
  public VerifiedText verifyDetached(byte[] signedFile, byte[] signature, Instant now) throws VerificationException {
    if (signature.length == 0) {
      throw new VerificationException(NO_SIGNATURE, "the detached signature is empty");
    }
    // An OpenPGP packet's first byte has its high bit set; anything else must be ASCII armor. Without
    // this check BouncyCastle reads, say, an HTML error page as an empty armored stream.
    if ((signature[0] & 0x80) == 0 && indexOf(signature, ARMOR_HEADER) < 0) {
      throw new VerificationException(
          MALFORMED, "malformed detached signature: neither OpenPGP packets nor an armored "
              + new String(ARMOR_HEADER, US_ASCII) + " block (starts with '" + preview(signature) + "')");
    }
    List<PGPSignature> signatures;
    try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(signature))) {
      signatures = signatures(in);
    } catch (IOException | RuntimeException e) {
      throw new VerificationException(MALFORMED, "malformed detached signature: " + describe(e), e);
    }
    if (signatures.isEmpty()) {
      throw new VerificationException(NO_SIGNATURE, "the detached signature holds no signature packet");
    }
    return check(
        signatures,
        sig -> {
          if (sig.getSignatureType() == PGPSignature.CANONICAL_TEXT_DOCUMENT) {
            updateCanonicalLineEndings(sig, signedFile);
          } else {
            sig.update(signedFile);
          }
        },
        new String(signedFile, UTF_8),
        now);
  }

  /** How the signed data is fed to one signature. */
  private interface Feeder {
    void feed(PGPSignature signature);
  }

  private VerifiedText check(List<PGPSignature> signatures, Feeder feeder, String text, Instant now)
      throws VerificationException {
    Set<String> unknown = new LinkedHashSet<>();
    VerifiedText good = null;
    VerificationException bad = null;
    VerificationException unusable = null;
    for (PGPSignature sig : signatures) {
      long keyId = sig.getKeyID();
      int type = sig.getSignatureType();
      if (type != PGPSignature.BINARY_DOCUMENT && type != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
        unusable = first(unusable, new VerificationException(
            MALFORMED, "signature by key " + TrustedKeys.hex(keyId) + " is of type 0x"
                + Integer.toHexString(type) + ", not a document signature"));
        continue;
      }
      TrustedKeys.Entry entry = keys.entry(keyId).orElse(null);
      if (entry == null) {
        unknown.add(TrustedKeys.hex(keyId));
        continue;
      }
      String weak = weakDigest(sig.getHashAlgorithm());
      if (weak != null) {
        unusable = first(unusable, new VerificationException(
            WEAK_DIGEST, "signature by key " + TrustedKeys.hex(keyId) + " uses the weak digest " + weak));
        continue;
      }
      String problem = unusableBecause(entry, sig, now);
      if (problem != null) {
        unusable = first(unusable, new VerificationException(UNUSABLE_KEY, problem));
        continue;
      }
      boolean valid;
      try {
        sig.init(VERIFIERS, entry.key());
        feeder.feed(sig);
        valid = sig.verify();
      } catch (PGPException | RuntimeException e) {
        bad = first(bad, new VerificationException(
            BAD_SIGNATURE, "cannot check the signature by key " + TrustedKeys.hex(keyId) + ": " + describe(e), e));
        continue;
      }
      if (!valid) {
        bad = first(bad, new VerificationException(
            BAD_SIGNATURE, "BAD signature by key " + TrustedKeys.hex(keyId)
                + ": the signed text or the signature was changed"));
      } else if (good == null) {
        good = new VerifiedText(
            text, keyId, entry.ring().getPublicKey().getKeyID(), sig.getCreationTime().toInstant());
      }
    }
    // One bad signature by a trusted key condemns the text, as in apt, even next to a good one.
    if (bad != null) {
      throw bad;
    }
    if (good != null) {
      return good;
    }
    if (unusable != null) {
      throw unusable;
    }
    throw new VerificationException(
        UNKNOWN_KEY, "signed by unknown key " + String.join(", ", unknown)
            + " (NO_PUBKEY; " + keys.size() + " trusted keys loaded)");
  }

  /** Why {@code entry}'s key may not vouch for {@code sig} at {@code now}; null when it may. */
  private static String unusableBecause(TrustedKeys.Entry entry, PGPSignature sig, Instant now) {
    PGPPublicKey key = entry.key();
    PGPPublicKey primary = entry.ring().getPublicKey();
    String id = "key " + TrustedKeys.hex(key.getKeyID());
    if (primary.hasRevocation()) {
      return id + " is revoked (its primary key " + TrustedKeys.hex(primary.getKeyID()) + " carries a revocation)";
    }
    if (key != primary && key.hasRevocation()) {
      return id + " is a revoked subkey";
    }
    String expired = expiredBecause(primary, now);
    if (expired == null && key != primary) {
      expired = expiredBecause(key, now);
    }
    if (expired != null) {
      return id + " " + expired;
    }
    if (sig.getCreationTime().before(key.getCreationTime())) {
      return id + " was created after the signature it supposedly made ("
          + key.getCreationTime().toInstant() + " > " + sig.getCreationTime().toInstant() + ")";
    }
    if (key != primary) {
      return subkeyProblem(primary, key, id);
    }
    return null;
  }

  private static String expiredBecause(PGPPublicKey key, Instant now) {
    long valid = key.getValidSeconds();
    if (valid <= 0) {
      return null; // 0: never expires
    }
    Instant until = key.getCreationTime().toInstant().plusSeconds(valid);
    return now.isAfter(until)
        ? "expired on " + until + (key.isMasterKey() ? "" : " (subkey " + TrustedKeys.hex(key.getKeyID()) + ")")
        : null;
  }

  /**
   * A subkey speaks for its primary key only through a binding signature the primary key made; an
   * unbound subkey pasted into a keyring must not count.
   */
  private static String subkeyProblem(PGPPublicKey primary, PGPPublicKey subkey, String id) {
    for (Iterator<PGPSignature> it = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING); it.hasNext(); ) {
      PGPSignature binding = it.next();
      try {
        binding.init(VERIFIERS, primary);
        if (!binding.verifyCertification(primary, subkey)) {
          continue;
        }
      } catch (PGPException | RuntimeException e) {
        continue;
      }
      PGPSignatureSubpacketVector hashed = binding.getHashedSubPackets();
      if (hashed != null && hashed.hasSubpacket(org.bouncycastle.bcpg.SignatureSubpacketTags.KEY_FLAGS)
          && (hashed.getKeyFlags() & KeyFlags.SIGN_DATA) == 0) {
        return id + " is a subkey that is not allowed to sign (its key flags say otherwise)";
      }
      return null;
    }
    return id + " is a subkey without a valid binding signature from its primary key "
        + TrustedKeys.hex(primary.getKeyID());
  }

  private static String weakDigest(int algorithm) {
    return switch (algorithm) {
      case HashAlgorithmTags.MD5 -> "MD5";
      case HashAlgorithmTags.SHA1 -> "SHA-1";
      case HashAlgorithmTags.RIPEMD160 -> "RIPEMD-160";
      case HashAlgorithmTags.MD2 -> "MD2";
      default -> null;
    };
  }

  /** Every signature packet in {@code in}, skipping the marker packets old PGP versions wrote. */
  private static List<PGPSignature> signatures(InputStream in) throws IOException {
    List<PGPSignature> out = new ArrayList<>();
    PGPObjectFactory factory = new PGPObjectFactory(in, new BcKeyFingerprintCalculator());
    Object object;
    while ((object = factory.nextObject()) != null) {
      if (object instanceof PGPSignatureList list) {
        list.forEach(out::add);
      } else if (!(object instanceof PGPMarker)) {
        throw new IOException("expected signature packets, found " + object.getClass().getSimpleName());
      }
    }
    return out;
  }

  /** Feeds a text-mode signature: every line ending becomes CRLF, as RFC 4880 defines type 0x01. */
  private static void updateCanonicalLineEndings(PGPSignature sig, byte[] data) {
    int start = 0;
    for (int i = 0; i < data.length; i++) {
      if (data[i] == '\n') {
        int end = i > start && data[i - 1] == '\r' ? i - 1 : i;
        sig.update(data, start, end - start);
        sig.update((byte) '\r');
        sig.update((byte) '\n');
        start = i + 1;
      }
    }
    sig.update(data, start, data.length - start);
  }

  private static boolean startsWithHeader(byte[] message) {
    return regionMatches(message, 0, CLEARSIGN_HEADER);
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    for (int i = 0; i + pattern.length <= data.length; i++) {
      if (regionMatches(data, i, pattern)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean regionMatches(byte[] data, int offset, byte[] pattern) {
    if (data.length - offset < pattern.length) {
      return false;
    }
    for (int i = 0; i < pattern.length; i++) {
      if (data[offset + i] != pattern[i]) {
        return false;
      }
    }
    return true;
  }

  private static String preview(byte[] bytes) {
    int n = Math.min(bytes.length, 40);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int c = bytes[i] & 0xff;
      s.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
    }
    return s.toString();
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static <T> T first(T current, T candidate) {
    return current != null ? current : candidate;
  }

  /**
   * The clear text of a clearsigned message in its two forms: the canonical bytes the signature covers
   * (lines without trailing blanks, joined by CRLF, none after the last) and the text returned.
   */
  private record ClearText(byte[] canonical, String text) {

    /** Reads {@code armored} up to the start of its signature armor. */
    static ClearText read(ArmoredInputStream armored) throws IOException {
      ByteArrayOutputStream raw = new ByteArrayOutputStream(8192);
      int c;
      boolean ended = false;
      while ((c = armored.read()) >= 0) {
        raw.write(c);
        if (!armored.isClearText()) {
          ended = true;
          break;
        }
      }
      if (!ended) {
        throw new IOException("the clear text never ends: no -----BEGIN PGP SIGNATURE----- line");
      }
      // The byte that ended clear-text mode is the first '-' of the signature's armor line.
      byte[] bytes = raw.toByteArray();
      int length = bytes.length - 1;
      // The line break before that armor line belongs to the framing, not to the text.
      if (length > 0 && bytes[length - 1] == '\n') {
        length--;
      }
      if (length == 0) {
        return new ClearText(new byte[0], "");
      }
      ByteArrayOutputStream canonical = new ByteArrayOutputStream(length + length / 32);
      ByteArrayOutputStream text = new ByteArrayOutputStream(length + 1);
      int start = 0;
      while (true) {
        int newline = start;
        while (newline < length && bytes[newline] != '\n') {
          newline++;
        }
        int end = newline;
        while (end > start && (bytes[end - 1] == ' ' || bytes[end - 1] == '\t' || bytes[end - 1] == '\r')) {
          end--;
        }
        canonical.write(bytes, start, end - start);
        text.write(bytes, start, end - start);
        text.write('\n');
        if (newline >= length) {
          break;
        }
        canonical.write('\r');
        canonical.write('\n');
        start = newline + 1;
      }
      return new ClearText(canonical.toByteArray(), text.toString(UTF_8));
    }
  }
}
