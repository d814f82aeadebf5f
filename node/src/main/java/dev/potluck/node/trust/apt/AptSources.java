package dev.potluck.node.trust.apt;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The binary repositories this host's apt uses, read from its sources: {@code sources.list} and
 * {@code sources.list.d/*.list} (one-line style) and {@code sources.list.d/*.sources} (deb822 style).
 * The node fetches and verifies their metadata itself when a package is asked for before it has seen
 * that metadata (apt's lists were fetched before the node ran), and trusts the keyrings they name with
 * {@code signed-by}. Source lines it cannot read are skipped, never fatal: they are apt's to judge.
 */
public final class AptSources {

  /** One suite of one repository. {@code uri} ends with a slash. */
  public record Entry(String uri, String suite, List<String> components, List<Path> signedBy) {

    /** Whether the suite is a flat repository's path ({@code ./}), which has no {@code dists/}. */
    public boolean flat() {
      return suite.endsWith("/");
    }

    /** The folder its Release files are in. */
    public String releaseDir() {
      return flat() ? uri + (suite.equals("./") ? "" : suite) : uri + "dists/" + suite + "/";
    }
  }

  private AptSources() {}

  /** The entries of the sources under {@code etcApt} (normally {@code /etc/apt}); none when it has none. */
  public static List<Entry> read(Path etcApt) {
    List<Entry> entries = new ArrayList<>();
    readOneLine(etcApt.resolve("sources.list"), entries);
    Path parts = etcApt.resolve("sources.list.d");
    if (Files.isDirectory(parts)) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(parts)) {
        List<Path> sorted = new ArrayList<>();
        files.forEach(sorted::add);
        sorted.sort(null);
        for (Path file : sorted) {
          String name = file.getFileName().toString();
          if (name.endsWith(".list")) {
            readOneLine(file, entries);
          } else if (name.endsWith(".sources")) {
            readDeb822(file, entries);
          }
        }
      } catch (IOException e) {
        // Unreadable: the node simply knows fewer repositories.
      }
    }
    return entries;
  }

  static void readOneLine(Path file, List<Entry> into) {
    for (String raw : lines(file)) {
      String line = raw.strip();
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash).strip();
      }
      if (!line.startsWith("deb ") && !line.startsWith("deb\t")) {
        continue; // deb-src, blank, or something apt itself would refuse
      }
      String rest = line.substring(4).strip();
      List<Path> signedBy = new ArrayList<>();
      if (rest.startsWith("[")) {
        int end = rest.indexOf(']');
        if (end < 0) {
          continue;
        }
        for (String option : rest.substring(1, end).strip().split("\\s+")) {
          int eq = option.indexOf('=');
          if (eq > 0 && option.substring(0, eq).equalsIgnoreCase("signed-by")) {
            for (String path : option.substring(eq + 1).split(",")) {
              if (path.startsWith("/")) {
                signedBy.add(Path.of(path));
              }
            }
          }
        }
        rest = rest.substring(end + 1).strip();
      }
      String[] words = rest.split("\\s+");
      if (words.length < 2 || !isHttp(words[0])) {
        continue;
      }
      into.add(new Entry(withSlash(words[0]), words[1],
          List.of(Arrays.copyOfRange(words, 2, words.length)), List.copyOf(signedBy)));
    }
  }

  static void readDeb822(Path file, List<Entry> into) {
    List<String> lines = lines(file);
    Map<String, String> stanza = new LinkedHashMap<>();
    String last = null;
    for (int i = 0; i <= lines.size(); i++) {
      String line = i < lines.size() ? lines.get(i) : "";
      if (line.startsWith("#")) {
        continue;
      }
      if (line.isBlank()) {
        addStanza(stanza, into);
        stanza = new LinkedHashMap<>();
        last = null;
      } else if ((line.startsWith(" ") || line.startsWith("\t")) && last != null) {
        stanza.merge(last, "\n" + line.strip(), String::concat); // a continuation (an inline key, say)
      } else {
        int colon = line.indexOf(':');
        if (colon > 0) {
          last = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
          stanza.put(last, line.substring(colon + 1).strip());
        }
      }
    }
  }

  private static void addStanza(Map<String, String> s, List<Entry> into) {
    if (s.isEmpty() || !words(s.get("types")).contains("deb") || "no".equalsIgnoreCase(s.getOrDefault("enabled", "yes"))) {
      return;
    }
    List<Path> signedBy = new ArrayList<>();
    String keys = s.getOrDefault("signed-by", "");
    if (!keys.contains("BEGIN PGP")) { // an inline key block is apt's alone to use
      for (String word : words(keys)) {
        if (word.startsWith("/")) {
          signedBy.add(Path.of(word));
        }
      }
    }
    List<String> components = words(s.get("components"));
    for (String uri : words(s.get("uris"))) {
      if (!isHttp(uri)) {
        continue;
      }
      for (String suite : words(s.get("suites"))) {
        into.add(new Entry(withSlash(uri), suite, components, List.copyOf(signedBy)));
      }
    }
  }

  private static List<String> words(String value) {
    return value == null || value.isBlank() ? List.of() : List.of(value.strip().split("[\\s,]+"));
  }

  private static boolean isHttp(String uri) {
    String lower = uri.toLowerCase(Locale.ROOT);
    return lower.startsWith("http://") || lower.startsWith("https://");
  }

  private static String withSlash(String uri) {
    return uri.endsWith("/") ? uri : uri + "/";
  }

  private static List<String> lines(Path file) {
    try {
      return Files.isRegularFile(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException | java.io.UncheckedIOException e) {
      return List.of();
    }
  }
}
