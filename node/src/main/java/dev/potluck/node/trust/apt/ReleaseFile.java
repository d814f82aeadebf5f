package dev.potluck.node.trust.apt;

import dev.potluck.protocol.Sha256;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The facts of a verified {@code Release} text (from {@link OpenPgpVerifier}) that the trust chain
 * needs: its identity, its validity window, and the SHA-256 and size of every index it lists.
 *
 * <p>Parse only text whose signature was checked; this class trusts what it is given.
 *
 * @param origin the {@code Origin} field, or null when absent
 * @param suite the {@code Suite} field, or null when absent
 * @param codename the {@code Codename} field, or null when absent
 * @param date the {@code Date} field, or null when absent
 * @param validUntil the {@code Valid-Until} field, or null when the file never expires
 * @param acquireByHash whether indexes may be fetched under {@code by-hash/SHA256/<hex>}
 * @param indexes the {@code SHA256:} section by relative path, in file order; never empty
 */
public record ReleaseFile(
    String origin,
    String suite,
    String codename,
    Instant date,
    Instant validUntil,
    boolean acquireByHash,
    Map<String, IndexFile> indexes) {

  public ReleaseFile {
    indexes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(indexes));
  }

  /**
   * Parses a Release file's text.
   *
   * @throws AptFormatException naming the line, for a line that is not a field, a duplicate field,
   *     an unreadable date, a bad {@code SHA256:} line (digest, size or path), or no {@code SHA256:}
   *     section at all
   */
  public static ReleaseFile parse(String text) throws AptFormatException {
    Map<String, String> fields = new LinkedHashMap<>();
    Map<String, IndexFile> indexes = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    String current = null;
    boolean ended = false;
    int lineNo = 0;
    int start = 0;
    while (start < text.length()) {
      int newline = text.indexOf('\n', start);
      int end = newline < 0 ? text.length() : newline;
      String line = stripTrailing(text.substring(start, end));
      start = end + 1;
      lineNo++;
      if (line.isEmpty()) {
        ended = !fields.isEmpty();
        continue;
      }
      if (ended) {
        throw new AptFormatException("line " + lineNo + ": a Release file has one paragraph, but more follows a blank line");
      }
      if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        if (current == null) {
          throw new AptFormatException("line " + lineNo + ": continuation line before any field");
        }
        if (current.equals("sha256")) {
          IndexFile index = indexLine(line.strip(), lineNo);
          if (indexes.put(index.path(), index) != null) {
            throw new AptFormatException("line " + lineNo + ": " + index.path() + " is listed twice in the SHA256 section");
          }
        }
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new AptFormatException("line " + lineNo + ": expected 'Field: value', got '" + shorten(line) + "'");
      }
      // Field names are case-insensitive in Debian control files.
      current = line.substring(0, colon).toLowerCase(Locale.ROOT);
      if (!seen.add(current)) {
        throw new AptFormatException("line " + lineNo + ": field " + line.substring(0, colon) + " appears twice");
      }
      fields.put(current, line.substring(colon + 1).strip());
      if (current.equals("date") || current.equals("valid-until")) {
        date(fields.get(current), line.substring(0, colon), lineNo);
      }
    }
    if (!seen.contains("sha256")) {
      throw new AptFormatException("no SHA256 section: apt would refuse this Release file, and so do we");
    }
    if (indexes.isEmpty()) {
      throw new AptFormatException("the SHA256 section lists no files");
    }
    return new ReleaseFile(
        fields.get("origin"),
        fields.get("suite"),
        fields.get("codename"),
        fields.containsKey("date") ? date(fields.get("date"), "Date", 0) : null,
        fields.containsKey("valid-until") ? date(fields.get("valid-until"), "Valid-Until", 0) : null,
        yesNo(fields.get("acquire-by-hash")),
        indexes);
  }

  /** Whether {@code now} is past {@code Valid-Until}; apt then refuses the file as stale. */
  public boolean isExpired(Instant now) {
    return validUntil != null && now.isAfter(validUntil);
  }

  /** The index listed under {@code path} (relative to the Release file's directory). */
  public Optional<IndexFile> index(String path) {
    return Optional.ofNullable(indexes.get(path));
  }

  // "Sat, 09 Nov 2024 09:56:04 UTC": the weekday is dropped unchecked, as apt's parser does, so a
  // repository with a wrong one works here exactly when it works for apt. Zones: UTC, GMT, Z, +hhmm.
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("d MMM uuuu HH:mm[:ss] xx", Locale.ROOT);

  private static Instant date(String value, String field, int lineNo) throws AptFormatException {
    String s = value;
    int comma = s.indexOf(',');
    if (comma >= 0 && comma <= 9) {
      s = s.substring(comma + 1).strip();
    }
    for (String utc : new String[] {" UTC", " GMT", " Z"}) {
      if (s.endsWith(utc)) {
        s = s.substring(0, s.length() - utc.length()) + " +0000";
      }
    }
    try {
      return ZonedDateTime.parse(s, DATE).toInstant();
    } catch (DateTimeParseException e) {
      throw new AptFormatException(
          (lineNo > 0 ? "line " + lineNo + ": " : "") + field + " is not an RFC 2822 date like "
              + "'Sat, 09 Nov 2024 09:56:04 UTC': '" + shorten(value) + "'", e);
    }
  }

  private static boolean yesNo(String value) throws AptFormatException {
    if (value == null) {
      return false;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "yes", "true" -> true;
      case "no", "false" -> false;
      default -> throw new AptFormatException("Acquire-By-Hash must be yes or no, not '" + shorten(value) + "'");
    };
  }

  private static IndexFile indexLine(String line, int lineNo) throws AptFormatException {
    String[] parts = line.split("[ \t]+");
    if (parts.length != 3) {
      throw new AptFormatException(
          "line " + lineNo + ": a SHA256 line is '<sha256> <size> <path>', got '" + shorten(line) + "'");
    }
    Sha256 sha256;
    try {
      sha256 = Sha256.parse(parts[0]);
    } catch (IllegalArgumentException e) {
      throw new AptFormatException("line " + lineNo + ": bad SHA-256 (need 64 hex digits): '" + shorten(parts[0]) + "'", e);
    }
    long size;
    try {
      size = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      size = -1;
    }
    if (size < 0 || !parts[1].chars().allMatch(Character::isDigit)) {
      throw new AptFormatException("line " + lineNo + ": bad size '" + shorten(parts[1]) + "' for " + parts[2]);
    }
    return new IndexFile(parts[2], sha256, size);
  }

  private static String stripTrailing(String line) {
    int end = line.length();
    while (end > 0 && (line.charAt(end - 1) == '\r' || line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
      end--;
    }
    return line.substring(0, end);
  }

  private static String shorten(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
