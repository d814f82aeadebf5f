package dev.potluck.node.trust.nix;

import dev.potluck.node.trust.Authority;
import dev.potluck.node.trust.Expectation;
import dev.potluck.node.trust.MetadataAuthority;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.InvalidUrlException;
import dev.potluck.protocol.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nix binary caches' chain of trust, followed by the node itself: a {@code <hash>.narinfo} that this
 * node fetched from upstream, with a {@code Sig} line that verifies (Ed25519) under a trusted key of
 * the same name over the narinfo's fingerprint, vouches for its nar file: {@code <cache root>/<URL>}
 * must hash to {@code FileHash} and be {@code FileSize} bytes long.
 *
 * <p>What the signature covers is the store path, the uncompressed NAR's hash and size and the
 * references; {@code URL}, {@code FileHash} and {@code FileSize} are outside it (nix checks the NAR hash
 * after decompressing). So the compressed file's digest is as good as this node's own fetch of a
 * narinfo whose signed part a trusted key made: LAN members cannot bend it, the upstream could. For an
 * uncompressed nar ({@code Compression: none}) the file is the NAR, and the narinfo must say so: a
 * {@code FileHash} other than the {@code NarHash} is refused.
 *
 * <p>A narinfo that is unsigned, signed only by unknown keys, badly signed or malformed vouches for
 * nothing, and counts as a problem of its cache root (the latest of a bounded number of roots is kept).
 * A narinfo is effectively immutable, so entries are kept until {@link #DEFAULT_CAPACITY} newer ones push
 * them out.
 *
 * <p>Thread-safe: {@link #observe} runs on worker threads, {@link #lookup} on the event loop.
 */
public final class NixAuthority implements MetadataAuthority {

  private static final Logger log = LoggerFactory.getLogger(NixAuthority.class);

  /** Nar files vouched for at most (oldest forgotten first): some 6 MB of heap when full. */
  public static final int DEFAULT_CAPACITY = 100_000;
  /** Cache roots whose refusals are remembered; the one refused longest ago is forgotten first. */
  static final int MAX_PROBLEM_ROOTS = 64;
  /** Distinct sources (cache root and key) named in expectations; past this they share a generic one. */
  static final int MAX_SOURCES = 1024;

  private static final HexFormat HEX = HexFormat.of();

  /** Refusals at one cache root: how many, and why the latest was refused. */
  private record Problem(long count, String latest) {}

  private final Map<String, List<NixKey>> keysByName = new HashMap<>();
  private final NarTable table;
  private final LinkedHashMap<String, Problem> problems = new LinkedHashMap<>();
  private final Map<String, Integer> sourceIds = new HashMap<>();
  private final List<String> sources = new ArrayList<>();

  /** Trusts narinfos signed by any of {@code trusted}, and vouches for up to {@link #DEFAULT_CAPACITY} nar files. */
  public NixAuthority(List<NixKey> trusted) {
    this(trusted, DEFAULT_CAPACITY);
  }

  NixAuthority(List<NixKey> trusted, int capacity) {
    for (NixKey key : trusted) {
      keysByName.computeIfAbsent(key.name(), n -> new ArrayList<>()).add(key);
    }
    this.table = new NarTable(capacity);
    sources.add("a signed narinfo");
  }

  @Override
  public Expectation lookup(CanonicalUrl url) {
    NarTable.Listed listed = table.get(url.toString());
    if (listed == null) {
      return null;
    }
    String source;
    synchronized (sources) {
      source = sources.get(listed.source());
    }
    return new Expectation(new Sha256(HEX.formatHex(listed.sha256())), listed.size(), Authority.SIGNED_METADATA,
        source);
  }

  @Override
  public void observe(CanonicalUrl url, Path file, Sha256 sha256) {
    String name = url.fileName();
    if (!name.endsWith(".narinfo")) {
      return;
    }
    String text = url.toString();
    int query = text.indexOf('?');
    String withoutQuery = query < 0 ? text : text.substring(0, query);
    String root = withoutQuery.substring(0, withoutQuery.lastIndexOf('/') + 1);
    try {
      if (Files.size(file) > NarInfo.MAX_BYTES) {
        throw new NarInfoFormatException("larger than " + NarInfo.MAX_BYTES + " bytes: not a narinfo");
      }
      learn(root, name, NarInfo.parse(Files.readAllBytes(file)));
    } catch (IOException e) {
      log.debug("cannot read {} from the cache: {}", url, e.toString());
    } catch (NarInfoFormatException e) {
      refuse(root, text + ": " + e.getMessage());
    } catch (RuntimeException e) {
      refuse(root, text + ": unreadable (" + e + ")");
    }
  }

  @Override
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    synchronized (problems) {
      problems.forEach((root, p) -> out.add(p.count() == 1 ? p.latest()
          : p.count() + " narinfos under " + root + " refused; the latest: " + p.latest()));
    }
    return out;
  }

  /** How many nar files verified narinfos vouch for (for the status page and tests). */
  public int vouchedFiles() {
    return table.size();
  }

  private void learn(String root, String fileName, NarInfo info) throws NarInfoFormatException {
    String expectedName = info.hashPart() + ".narinfo";
    if (!fileName.equals(expectedName)) {
      throw new NarInfoFormatException("it describes " + info.storePath() + ", whose narinfo is " + expectedName);
    }
    String signer = verifiedSigner(info);
    String narUrl = resolve(root, info.url());
    byte[] digest = info.fileHash();
    long size = info.fileSize();
    if (info.compression().equals("none")) {
      if (digest != null && !Arrays.equals(digest, info.narHash())) {
        throw new NarInfoFormatException("Compression is none, yet its FileHash differs from the signed NarHash");
      }
      if (size >= 0 && size != info.narSize()) {
        throw new NarInfoFormatException("Compression is none, yet its FileSize (" + size
            + ") differs from the signed NarSize (" + info.narSize() + ")");
      }
      digest = info.narHash();
      size = info.narSize();
    } else if (digest == null) {
      throw new NarInfoFormatException("it has no FileHash, so nothing to check its " + info.compression()
          + " nar file against");
    }
    table.put(narUrl, digest, size, sourceId("a narinfo under " + root + " signed by " + signer));
    log.debug("{}{}: signed by {}, vouches for {}", root, fileName, signer, narUrl);
  }

  /** The name of a trusted key whose signature over the fingerprint verifies. */
  private String verifiedSigner(NarInfo info) throws NarInfoFormatException {
    if (info.signatures().isEmpty()) {
      throw new NarInfoFormatException("it has no Sig line (an unsigned cache: trust its key with --nix-key"
          + " NAME:KEY once it signs)");
    }
    byte[] fingerprint = info.fingerprint().getBytes(StandardCharsets.UTF_8);
    List<String> why = new ArrayList<>();
    for (NarInfo.Signature sig : info.signatures()) {
      if (sig.malformed() != null) {
        why.add(sig.malformed());
        continue;
      }
      List<NixKey> keys = keysByName.get(sig.keyName());
      if (keys == null) {
        why.add("signed by " + sig.keyName() + ", a key this node does not trust (--nix-key NAME:KEY adds one)");
        continue;
      }
      for (NixKey key : keys) {
        if (verifies(key, fingerprint, sig.bytes())) {
          return key.name();
        }
      }
      why.add("the signature by " + sig.keyName() + " does not verify (the narinfo was altered, or was signed"
          + " by another key of that name)");
    }
    throw new NarInfoFormatException(String.join("; ", why));
  }

  private static boolean verifies(NixKey key, byte[] message, byte[] signature) {
    Ed25519Signer verifier = new Ed25519Signer();
    try {
      verifier.init(false, new Ed25519PublicKeyParameters(key.rawPublicKey(), 0));
    } catch (IllegalArgumentException e) {
      return false;
    }
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(signature);
  }

  /** The nar file's URL: {@code URL} under the cache root, which it may not leave. */
  private static String resolve(String root, String relative) throws NarInfoFormatException {
    CanonicalUrl resolved;
    try {
      resolved = CanonicalUrl.parse(relative.contains("://") ? relative : root + relative);
    } catch (InvalidUrlException e) {
      throw new NarInfoFormatException("its URL '" + relative + "' is not usable: " + e.getMessage());
    }
    String out = resolved.toString();
    if (!out.startsWith(root) || out.length() == root.length() || relative.startsWith("/")) {
      throw new NarInfoFormatException("its URL '" + relative + "' is not a file under the cache root " + root);
    }
    return out;
  }

  private int sourceId(String source) {
    synchronized (sources) {
      Integer id = sourceIds.get(source);
      if (id != null) {
        return id;
      }
      if (sources.size() >= MAX_SOURCES) {
        return 0;
      }
      sources.add(source);
      sourceIds.put(source, sources.size() - 1);
      return sources.size() - 1;
    }
  }

  private void refuse(String root, String why) {
    boolean first;
    synchronized (problems) {
      Problem before = problems.remove(root);
      first = before == null;
      problems.put(root, new Problem(first ? 1 : before.count() + 1, why));
      if (problems.size() > MAX_PROBLEM_ROOTS) {
        problems.remove(problems.keySet().iterator().next());
      }
    }
    if (first) {
      log.warn("not sharing what narinfos under {} vouch for: {}", root, why);
    } else {
      log.debug("narinfo refused: {}", why);
    }
  }
}
