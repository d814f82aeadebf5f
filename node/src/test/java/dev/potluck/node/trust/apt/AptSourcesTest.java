package dev.potluck.node.trust.apt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AptSourcesTest {

  @TempDir Path etc;

  @Test
  void oneLineSources_debLinesWithTheirOptions_otherLinesSkipped() throws IOException {
    Files.writeString(etc.resolve("sources.list"), """
        # the main archive
        deb http://deb.debian.org/debian bookworm main contrib   # trailing comment
        deb-src http://deb.debian.org/debian bookworm main
        deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/debian bookworm stable
        deb cdrom:[Debian 12]/ bookworm main
        deb [broken http://x/ y z
        """);
    List<AptSources.Entry> entries = AptSources.read(etc);
    assertEquals(List.of(
        new AptSources.Entry("http://deb.debian.org/debian/", "bookworm", List.of("main", "contrib"), List.of()),
        new AptSources.Entry("https://download.docker.com/linux/debian/", "bookworm", List.of("stable"),
            List.of(Path.of("/etc/apt/keyrings/docker.gpg")))), entries);
    assertEquals("http://deb.debian.org/debian/dists/bookworm/", entries.get(0).releaseDir());
  }

  @Test
  void deb822Sources_everyUriAndSuite_disabledAndInlineKeysHandled() throws IOException {
    Files.createDirectories(etc.resolve("sources.list.d"));
    Files.writeString(etc.resolve("sources.list.d").resolve("debian.sources"), """
        Types: deb deb-src
        URIs: http://deb.debian.org/debian http://mirror.example/debian
        Suites: bookworm bookworm-updates
        Components: main
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

        # switched off
        Types: deb
        URIs: http://off.example/debian
        Suites: bookworm
        Components: main
        Enabled: no

        Types: deb
        URIs: http://inline.example/repo
        Suites: ./
        Signed-By:
         -----BEGIN PGP PUBLIC KEY BLOCK-----
         .
         mQINBGRx
         -----END PGP PUBLIC KEY BLOCK-----
        """);
    Files.writeString(etc.resolve("sources.list.d").resolve("extra.list"), "deb http://extra.example/x y z\n");
    List<AptSources.Entry> entries = AptSources.read(etc);
    assertEquals(6, entries.size(), entries.toString());
    assertEquals(new AptSources.Entry("http://mirror.example/debian/", "bookworm-updates", List.of("main"),
        List.of(Path.of("/usr/share/keyrings/debian-archive-keyring.gpg"))), entries.get(3));
    AptSources.Entry flat = entries.get(4);
    assertTrue(flat.flat());
    assertEquals("http://inline.example/repo/", flat.releaseDir());
    assertEquals(List.of(), flat.signedBy(), "an inline key is apt's alone");
    assertEquals("http://extra.example/x/", entries.get(5).uri());
  }

  @Test
  void noSources_noEntries() {
    assertEquals(List.of(), AptSources.read(etc.resolve("missing")));
  }
}
