package dev.potluck.node.trust.apt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.potluck.protocol.Sha256;
import org.junit.jupiter.api.Test;

class PackageTableTest {

  private static final String ROOT = "http://deb.example/debian/";

  @Test
  void lookup_findsEveryEntryOfALargeIndex_andNothingElse() {
    PackageTable.Builder builder = new PackageTable.Builder();
    int n = 64_000;
    for (int i = 0; i < n; i++) {
      builder.add(ROOT + "pool/main/p/pkg" + i + "/pkg" + i + "_1.0_amd64.deb", Sha256.of("body " + i), 1000L + i);
    }
    PackageTable table = builder.build();
    assertEquals(n, table.size());
    for (int i = 0; i < n; i++) {
      PackageTable.Listed listed = table.lookup(ROOT + "pool/main/p/pkg" + i + "/pkg" + i + "_1.0_amd64.deb");
      assertEquals(new PackageTable.Listed(Sha256.of("body " + i), 1000L + i), listed, "entry " + i);
    }
    assertNull(table.lookup(ROOT + "pool/main/p/pkg" + n + "/pkg" + n + "_1.0_amd64.deb"));
    assertNull(table.lookup("http://other.example/debian/pool/main/p/pkg1/pkg1_1.0_amd64.deb"));
  }

  @Test
  void lookup_escapedAndPlainSpellingsOfAName_areOneEntry() {
    PackageTable table = new PackageTable.Builder()
        .add(ROOT + "pool/main/g/gcc-12/libstdc++6_12.2.0-14_amd64.deb", Sha256.of("libstdc++"), 42)
        .build();
    assertEquals(42, table.lookup(ROOT + "pool/main/g/gcc-12/libstdc%2B%2B6_12.2.0-14_amd64.deb").size());
    assertEquals(42, table.lookup(ROOT + "pool/main/g/gcc-12/libstdc++6_12.2.0-14_amd64.deb").size());
  }

  @Test
  void add_sameUrlTwice_keepsTheLastEntry() {
    PackageTable table = new PackageTable.Builder()
        .add(ROOT + "pool/a.deb", Sha256.of("old"), 1)
        .add(ROOT + "pool/a.deb", Sha256.of("new"), 2)
        .build();
    assertEquals(1, table.size());
    assertEquals(new PackageTable.Listed(Sha256.of("new"), 2), table.lookup(ROOT + "pool/a.deb"));
  }
}
