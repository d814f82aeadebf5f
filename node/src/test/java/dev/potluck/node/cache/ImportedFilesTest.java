package dev.potluck.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.node.trust.Authorities;
import dev.potluck.node.trust.Expectation;
import dev.potluck.node.trust.FileVerdict;
import dev.potluck.node.trust.MetadataAuthority;
import dev.potluck.protocol.CanonicalUrl;
import dev.potluck.protocol.ObjectKey;
import dev.potluck.protocol.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which imported files are offered, and how changes and disappearances are noticed. */
class ImportedFilesTest {

  private static final byte[] GOOD = "good package".getBytes(StandardCharsets.UTF_8);
  private static final ObjectKey GOOD_KEY = new ObjectKey(Sha256.of(GOOD).hex());

  @TempDir Path dir;

  /** A package list that knows files by name: with these bytes, or listed with others. */
  private static final class FakeList implements MetadataAuthority {
    final Map<String, Sha256> listed = new HashMap<>();

    @Override
    public FileVerdict judgeFile(String fileName, Sha256 sha256, long size) {
      Sha256 expected = listed.get(fileName);
      if (expected == null) {
        return null;
      }
      return new FileVerdict(expected.equals(sha256), "the fake list");
    }

    @Override
    public Expectation lookup(CanonicalUrl url) {
      return null;
    }

    @Override
    public void observe(CanonicalUrl url, Path file, Sha256 sha256) {}

    @Override
    public List<String> problems() {
      return List.of();
    }
  }

  private final FakeList list = new FakeList();
  private final Authorities authorities = new Authorities(List.of(list));

  @Test
  void scan_offersVouchedFiles_refusesTheRestWithWhy_andSkipsPartialAndLock() throws Exception {
    Path good = Files.write(dir.resolve("good_1.0_all.deb"), GOOD);
    Files.writeString(dir.resolve("bad_1.0_all.deb"), "other bytes");
    Files.writeString(dir.resolve("unknown_1.0_all.deb"), "?");
    Files.writeString(dir.resolve("lock"), "");
    Files.createDirectories(dir.resolve("partial"));
    Files.write(dir.resolve("partial/good_1.0_all.deb"), GOOD);
    list.listed.put("good_1.0_all.deb", Sha256.of(GOOD));
    list.listed.put("bad_1.0_all.deb", Sha256.of("listed bytes"));
    ImportedFiles imports = new ImportedFiles(List.of(dir));

    ImportedFiles.Changes changes = imports.scan(authorities);

    assertEquals(1, changes.offered().size());
    ImportedFiles.Entry entry = changes.offered().get(0);
    assertEquals(new ImportedFiles.Entry(GOOD_KEY, good, GOOD.length, Files.getLastModifiedTime(good).toMillis(),
        Sha256.of(GOOD), "the fake list"), entry);
    assertEquals(good, entry.asStored().data());
    assertEquals("http://imported.potluck.invalid/good_1.0_all.deb", entry.asStored().meta().url());
    assertEquals(new ImportedFiles.Report(List.of(dir.toString()), 1,
        Map.of(ImportedFiles.OTHER_BYTES, 1, ImportedFiles.NOT_LISTED, 1)), imports.report());
    assertTrue(imports.has(GOOD_KEY));
    assertEquals(new ImportedFiles.Changes(List.of(), List.of()), imports.scan(authorities), "nothing changed");
  }

  @Test
  void scan_noticesAFileThatIsGone() throws Exception {
    Path good = Files.write(dir.resolve("good_1.0_all.deb"), GOOD);
    list.listed.put("good_1.0_all.deb", Sha256.of(GOOD));
    ImportedFiles imports = new ImportedFiles(List.of(dir));
    imports.scan(authorities);

    Files.delete(good);

    assertEquals(new ImportedFiles.Changes(List.of(), List.of(GOOD_KEY)), imports.scan(authorities));
    assertFalse(imports.has(GOOD_KEY));
    assertNull(imports.verify(GOOD_KEY));
  }

  @Test
  void verify_aFileChangedBehindTheIndexsBack_isWithdrawn_evenWithItsSizeAndTimeKept() throws Exception {
    Path good = Files.write(dir.resolve("good_1.0_all.deb"), GOOD);
    FileTime time = Files.getLastModifiedTime(good);
    list.listed.put("good_1.0_all.deb", Sha256.of(GOOD));
    ImportedFiles imports = new ImportedFiles(List.of(dir));
    imports.scan(authorities);
    assertEquals(good, imports.verify(GOOD_KEY).file(), "unchanged: served");

    byte[] changed = GOOD.clone();
    changed[0] ^= 1;
    Files.write(good, changed);
    Files.setLastModifiedTime(good, time);

    assertNull(imports.verify(GOOD_KEY));
    assertFalse(imports.has(GOOD_KEY));
    assertEquals(new ImportedFiles.Changes(List.of(), List.of()), imports.scan(authorities),
        "already withdrawn; judged again from its bytes");
    assertEquals(Map.of(ImportedFiles.OTHER_BYTES, 1), imports.report().refused());
    assertEquals(GOOD.length, Files.size(good), "the file itself is left as it is");
  }

  @Test
  void scan_offersAFileOnceAListVouchesForIt() throws Exception {
    Files.write(dir.resolve("good_1.0_all.deb"), GOOD);
    ImportedFiles imports = new ImportedFiles(List.of(dir, dir.resolve("not-there")));
    assertEquals(0, imports.scan(authorities).offered().size());
    assertEquals(Map.of(ImportedFiles.NOT_LISTED, 1), imports.report().refused());

    list.listed.put("good_1.0_all.deb", Sha256.of(GOOD));

    assertEquals(1, imports.scan(authorities).offered().size());
    assertEquals(Map.of(), imports.report().refused());
  }
}
