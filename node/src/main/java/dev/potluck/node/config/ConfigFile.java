package dev.potluck.node.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A config file: one {@code key = value} a line, keys named as the command-line flags without the
 * dashes; {@code #} starts a comment; a key given twice adds a second value where the flag repeats
 * ({@code mirror}, {@code allow}); {@code key = true} sets a switch.
 *
 * <pre>
 * listen = 127.0.0.1:7878
 * cache-size = 20G
 * mirror = debian=https://deb.debian.org/debian
 * </pre>
 */
public final class ConfigFile {

  /** One setting, with where it came from for error messages. */
  public record Entry(String key, String value, Path file, int line) {
    public String where() {
      return file + ":" + line;
    }
  }

  private ConfigFile() {}

  public static List<Entry> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("config file not found: " + file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected 'key = value', got '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (!key.matches("[a-z][a-z0-9-]*")) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": bad key '" + key + "'");
      }
      entries.add(new Entry(key, value, file, i + 1));
    }
    return entries;
  }

  /** The entries as command-line arguments, so that one parser validates file and flags alike. */
  public static List<String> toArguments(List<Entry> entries) {
    List<String> args = new ArrayList<>();
    for (Entry e : entries) {
      if (e.value().equalsIgnoreCase("true")) {
        args.add("--" + e.key());
      } else if (!e.value().equalsIgnoreCase("false")) {
        args.add("--" + e.key() + "=" + e.value());
      }
    }
    return args;
  }
}
