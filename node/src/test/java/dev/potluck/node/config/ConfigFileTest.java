package dev.potluck.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

  @TempDir Path dir;

  @Test
  void read_skipsCommentsAndBlankLines() throws IOException {
    Path file = write("""
        # a node for the office

        listen = 127.0.0.1:9000
           # indented comment
        cache-size=20G
        """);

    assertEquals(List.of(
        new ConfigFile.Entry("listen", "127.0.0.1:9000", file, 3),
        new ConfigFile.Entry("cache-size", "20G", file, 5)), ConfigFile.read(file));
  }

  @Test
  void read_valueKeepsLaterEqualsSigns() throws IOException {
    Path file = write("mirror = debian=https://deb.debian.org/debian\n");

    assertEquals("debian=https://deb.debian.org/debian", ConfigFile.read(file).get(0).value());
  }

  @Test
  void read_repeatedKeysKeptInOrder() throws IOException {
    Path file = write("""
        mirror = debian=https://deb.debian.org/debian
        mirror = arch=https://geo.mirror.pkgbuild.com
        """);

    List<ConfigFile.Entry> entries = ConfigFile.read(file);

    assertEquals(List.of("debian=https://deb.debian.org/debian", "arch=https://geo.mirror.pkgbuild.com"),
        entries.stream().map(ConfigFile.Entry::value).toList());
  }

  @Test
  void read_lineWithoutEqualsNamesFileAndLine() throws IOException {
    Path file = write("""
        listen = 127.0.0.1:9000
        # fine
        cache-size 20G
        """);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigFile.read(file));
    assertEquals(file + ":3: expected 'key = value', got 'cache-size 20G'", e.getMessage());
  }

  @Test
  void read_missingKeyNamesFileAndLine() throws IOException {
    Path file = write("= 20G\n");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigFile.read(file));
    assertEquals(file + ":1: expected 'key = value', got '= 20G'", e.getMessage());
  }

  @Test
  void read_badKeyNamesFileAndLine() throws IOException {
    Path file = write("\nCache_Size = 20G\n");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigFile.read(file));
    assertEquals(file + ":2: bad key 'Cache_Size'", e.getMessage());
  }

  @Test
  void read_missingFile() {
    Path file = dir.resolve("absent.conf");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigFile.read(file));
    assertEquals("config file not found: " + file, e.getMessage());
  }

  @Test
  void entry_whereIsFileColonLine() {
    Path file = dir.resolve("potluck.conf");
    assertEquals(file + ":7", new ConfigFile.Entry("listen", ":7878", file, 7).where());
  }

  @Test
  void toArguments_keyValueAsLongOptions() {
    Path file = dir.resolve("potluck.conf");
    List<ConfigFile.Entry> entries = List.of(
        new ConfigFile.Entry("listen", "127.0.0.1:9000", file, 1),
        new ConfigFile.Entry("mirror", "debian=https://deb.debian.org/debian", file, 2),
        new ConfigFile.Entry("mirror", "arch=https://geo.mirror.pkgbuild.com", file, 3));

    assertEquals(List.of("--listen=127.0.0.1:9000", "--mirror=debian=https://deb.debian.org/debian",
        "--mirror=arch=https://geo.mirror.pkgbuild.com"), ConfigFile.toArguments(entries));
  }

  @Test
  void toArguments_trueIsASwitchAndFalseIsLeftOut() {
    Path file = dir.resolve("potluck.conf");
    List<ConfigFile.Entry> entries = List.of(
        new ConfigFile.Entry("no-mdns", "true", file, 1),
        new ConfigFile.Entry("verbose", "FALSE", file, 2),
        new ConfigFile.Entry("debug", "True", file, 3));

    assertEquals(List.of("--no-mdns", "--debug"), ConfigFile.toArguments(entries));
  }

  private Path write(String text) throws IOException {
    Path file = dir.resolve("potluck.conf");
    Files.writeString(file, text);
    return file;
  }
}
