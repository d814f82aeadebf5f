package dev.potluck.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.potluck.dashboard.CachedObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class DumpReportTest {

  private static final String SELF = "3f2a9c0e5b7d41e8a06c2f9b8d1e4a77";
  private static final String DIGEST = "a2b9e1000000000000000000000000000000000000000000000000000000cafe";
  private static final long T0 = 1_795_000_000_000L; // 2026-11-18T11:06:40Z

  @Test
  void render_completeAndPartial_oneRowEach_thenTotals() {
    List<CachedObject> objects = List.of(
        new CachedObject("k1", "http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb", true, 48_311,
            48_311, DIGEST, T0, T0 + 61_000, SELF, List.of(SELF, "9b1e77c2d4a05f3e8c6b2a1d0e9f8c7b")),
        new CachedObject("k2", "http://h/b.deb", true, 100, 100, DIGEST, T0, T0, "9b1e77c2d4a05f3e8c6b2a1d0e9f8c7b", null),
        new CachedObject("k3", "http://h/big.iso", false, 4L << 20, 1L << 20, null, T0, -1, SELF, List.of()),
        new CachedObject("k4", "http://h/chunked", false, -1, 5000, null, T0, -1, null, null),
        new CachedObject("k5", "http://sha256.potluck.invalid/sha256/" + DIGEST, true, 10, 10, DIGEST, T0, T0, null, null,
            new CachedObject.Sharing(86_400, T0 + 86_400_000, 2, 5)));

    String text = DumpReport.render(CachedObject.toJson(objects));

    assertEquals(""
        + "          SIZE  STORED                LAST USED             HOLDERS  MAX AGE  SHARES  SHA256                                                            URL\n"
        + "      47.2 KiB  2026-11-18 11:06:40Z  2026-11-18 11:07:41Z        2        -       -  " + DIGEST + "  http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb\n"
        + "         100 B  2026-11-18 11:06:40Z  2026-11-18 11:06:40Z        -        -       -  " + DIGEST + "  http://h/b.deb\n"
        + "25% of 4.0 MiB  fetching              -                           0        -       -  -                                                                 http://h/big.iso\n"
        + "4.9 KiB so far  fetching              -                           -        -       -  -                                                                 http://h/chunked\n"
        + "          10 B  2026-11-18 11:06:40Z  2026-11-18 11:06:40Z        -       1d     2/5  " + DIGEST + "  http://sha256.potluck.invalid/sha256/" + DIGEST + "\n"
        + "\n"
        + "3 complete objects, 47.3 KiB; 2 being fetched; HOLDERS is known on the object's arbiter only; MAX AGE and"
        + " SHARES (served to peers / most) are those of objects published here\n",
        text);
  }

  @Test
  void render_empty_saysSo() {
    assertEquals("the cache is empty\n", DumpReport.render(CachedObject.toJson(List.of())));
  }
}
