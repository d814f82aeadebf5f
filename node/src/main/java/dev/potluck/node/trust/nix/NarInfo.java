package dev.potluck.node.trust.nix;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One parsed {@code <hash>.narinfo}: the store path it describes, where its (compressed) nar file is and
 * what that file hashes to, and the signatures over its fingerprint. Only what the fingerprint covers
 * (store path, NAR hash and size, references) is signed; {@code URL}, {@code FileHash} and
 * {@code FileSize} are not. Immutable.
 *
 * <p>Parsing follows nix's own reader ({@code NarInfo::NarInfo}): one {@code Name: value} per line,
 * unknown fields ignored, {@code Sig} repeatable. It is stricter where nix would be lenient in ways no
 * cache needs: a field it uses may appear only once, and a blank line is skipped rather than fatal.
 */
final class NarInfo {

  /** Larger than any real narinfo (one that lists a thousand references is ~60 KB). */
  static final int MAX_BYTES = 1 << 20;

  /** A store path's hash part: 20 bytes in nix base-32. */
  static final int HASH_PART_LENGTH = NixBase32.length(20);

  private static final Set<String> SINGLE = Set.of("StorePath", "URL", "Compression", "FileHash", "FileSize",
      "NarHash", "NarSize", "References");

  private final String storePath;
  private final String url;
  private final String compression;
  private final byte[] fileHash;
  private final long fileSize;
  private final byte[] narHash;
  private final long narSize;
  private final List<String> references;
  private final List<Signature> signatures;

  /** One {@code Sig} line: the key's name and the 64-byte signature, or why it cannot be one. */
  record Signature(String keyName, byte[] bytes, String malformed) {}

  private NarInfo(String storePath, String url, String compression, byte[] fileHash, long fileSize, byte[] narHash,
      long narSize, List<String> references, List<Signature> signatures) {
    this.storePath = storePath;
    this.url = url;
    this.compression = compression;
    this.fileHash = fileHash;
    this.fileSize = fileSize;
    this.narHash = narHash;
    this.narSize = narSize;
    this.references = references;
    this.signatures = signatures;
  }

  /**
   * Parses a narinfo's bytes.
   *
   * @throws NarInfoFormatException naming the line or field that is wrong
   */
  static NarInfo parse(byte[] bytes) throws NarInfoFormatException {
    if (bytes.length > MAX_BYTES) {
      throw new NarInfoFormatException("larger than " + MAX_BYTES + " bytes: not a narinfo");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    String storePath = null;
    String url = null;
    String compression = null;
    String fileHash = null;
    String fileSize = null;
    String narHash = null;
    String narSize = null;
    String references = null;
    List<Signature> signatures = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int lineNumber = 0;
    for (String line : text.split("\n", -1)) {
      lineNumber++;
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      if (line.isEmpty()) {
        continue;
      }
      int colon = line.indexOf(": ");
      if (colon <= 0) {
        // "References: " with nothing after it is written by nix with its trailing space; some tools strip it.
        if (line.endsWith(":") && line.indexOf(':') == line.length() - 1) {
          colon = line.length() - 1;
        } else {
          throw new NarInfoFormatException("line " + lineNumber + " is not 'Name: value': '" + shorten(line) + "'");
        }
      }
      String name = line.substring(0, colon);
      String value = colon + 2 <= line.length() ? line.substring(colon + 2) : "";
      if (SINGLE.contains(name) && !seen.add(name)) {
        throw new NarInfoFormatException(name + " appears twice");
      }
      switch (name) {
        case "StorePath" -> storePath = value;
        case "URL" -> url = value;
        case "Compression" -> compression = value;
        case "FileHash" -> fileHash = value;
        case "FileSize" -> fileSize = value;
        case "NarHash" -> narHash = value;
        case "NarSize" -> narSize = value;
        case "References" -> references = value;
        case "Sig" -> signatures.add(signature(value));
        default -> { }
      }
    }
    if (storePath == null || url == null || narHash == null || narSize == null) {
      throw new NarInfoFormatException("lacks " + (storePath == null ? "StorePath" : url == null ? "URL"
          : narHash == null ? "NarHash" : "NarSize") + ", which every narinfo has");
    }
    checkStorePath(storePath);
    if (url.isEmpty()) {
      throw new NarInfoFormatException("its URL is empty");
    }
    List<String> refs = new ArrayList<>();
    if (references != null && !references.isBlank()) {
      // The fingerprint lists references as nix's sorted set does: ordered and without duplicates.
      TreeSet<String> sorted = new TreeSet<>();
      for (String ref : references.trim().split(" +")) {
        checkBaseName(ref, "reference");
        sorted.add(ref);
      }
      refs.addAll(sorted);
    }
    return new NarInfo(storePath, url, compression == null ? "bzip2" : compression,
        fileHash == null ? null : hash("FileHash", fileHash), fileSize == null ? -1 : size("FileSize", fileSize),
        hash("NarHash", narHash), size("NarSize", narSize), List.copyOf(refs), List.copyOf(signatures));
  }

  /**
   * What the cache's key signed: {@code 1;<store path>;sha256:<nix base-32 NAR hash>;<NAR size>;<references
   * as full store paths, comma-separated>}, as nix's {@code ValidPathInfo::fingerprint} spells it (the NAR
   * hash in nix base-32 whatever form the narinfo wrote it in).
   */
  String fingerprint() {
    StringBuilder out = new StringBuilder(64 + 80 * (references.size() + 1));
    out.append("1;").append(storePath).append(';').append(NixHash.format(narHash)).append(';').append(narSize)
        .append(';');
    String dir = storeDir();
    for (int i = 0; i < references.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(dir).append('/').append(references.get(i));
    }
    return out.toString();
  }

  String storePath() {
    return storePath;
  }

  /** The store's folder, the directory part of {@link #storePath()} ({@code /nix/store} almost always). */
  String storeDir() {
    return storePath.substring(0, storePath.lastIndexOf('/'));
  }

  /** The store path's hash part, which also names the narinfo file. */
  String hashPart() {
    return storePath.substring(storePath.lastIndexOf('/') + 1).substring(0, HASH_PART_LENGTH);
  }

  /** Where the nar file is, relative to the cache's root as nix writes it ({@code nar/<hash>.nar.xz}). */
  String url() {
    return url;
  }

  /** {@code xz}, {@code zstd}, {@code none}...; {@code bzip2} when the narinfo names none, as nix assumes. */
  String compression() {
    return compression;
  }

  /** The SHA-256 of the nar file as stored (compressed), or null when the narinfo gives none. */
  byte[] fileHash() {
    return fileHash == null ? null : fileHash.clone();
  }

  /** The nar file's size in bytes, or -1 when the narinfo gives none. */
  long fileSize() {
    return fileSize;
  }

  /** The SHA-256 of the uncompressed NAR, which the signature covers. */
  byte[] narHash() {
    return narHash.clone();
  }

  long narSize() {
    return narSize;
  }

  /** The references as the narinfo lists them (base names, without the store folder), sorted. */
  List<String> references() {
    return references;
  }

  List<Signature> signatures() {
    return signatures;
  }

  private static Signature signature(String value) {
    int colon = value.indexOf(':');
    if (colon <= 0) {
      return new Signature(null, null, "'" + shorten(value) + "' is not NAME:BASE64");
    }
    String name = value.substring(0, colon);
    byte[] bytes;
    try {
      bytes = java.util.Base64.getDecoder().decode(value.substring(colon + 1).trim());
    } catch (IllegalArgumentException e) {
      return new Signature(name, null, "the signature by " + name + " is not base64");
    }
    if (bytes.length != 64) {
      return new Signature(name, null, "the signature by " + name + " is " + bytes.length
          + " bytes, not an Ed25519 signature's 64");
    }
    return new Signature(name, bytes, null);
  }

  private static void checkStorePath(String storePath) throws NarInfoFormatException {
    int slash = storePath.lastIndexOf('/');
    if (!storePath.startsWith("/") || slash <= 0) {
      throw new NarInfoFormatException("StorePath '" + shorten(storePath) + "' is not an absolute store path");
    }
    checkBaseName(storePath.substring(slash + 1), "StorePath");
  }

  /** {@code <32 nix base-32 characters>-<name>}, as nix's {@code StorePath} requires. */
  private static void checkBaseName(String baseName, String what) throws NarInfoFormatException {
    boolean ok = baseName.length() > HASH_PART_LENGTH + 1 && baseName.length() <= 211
        && baseName.charAt(HASH_PART_LENGTH) == '-';
    for (int i = 0; ok && i < baseName.length(); i++) {
      char c = baseName.charAt(i);
      ok = i < HASH_PART_LENGTH ? NixBase32.ALPHABET.indexOf(c) >= 0 : i == HASH_PART_LENGTH
          || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "+-._?=".indexOf(c) >= 0;
    }
    if (!ok || baseName.charAt(HASH_PART_LENGTH + 1) == '.') {
      throw new NarInfoFormatException(what + " '" + shorten(baseName) + "' is not a store path name"
          + " (<32 nix base-32 characters>-<name>)");
    }
  }

  private static byte[] hash(String field, String value) throws NarInfoFormatException {
    try {
      return NixHash.parseSha256(value);
    } catch (IllegalArgumentException e) {
      throw new NarInfoFormatException(field + ": " + e.getMessage());
    }
  }

  private static long size(String field, String value) throws NarInfoFormatException {
    if (!value.matches("\\d{1,18}")) {
      throw new NarInfoFormatException(field + " is not a size in bytes: '" + shorten(value) + "'");
    }
    return Long.parseLong(value);
  }

  /** At most 100 characters of {@code s}, anything but printable ASCII shown as '?': it goes into logs. */
  private static String shorten(String s) {
    String cut = s.length() <= 100 ? s : s.substring(0, 97) + "...";
    StringBuilder out = new StringBuilder(cut.length());
    cut.chars().forEach(c -> out.append(c >= ' ' && c <= '~' ? (char) c : '?'));
    return out.toString();
  }
}
