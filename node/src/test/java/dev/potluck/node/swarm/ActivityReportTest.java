package dev.potluck.node.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.protocol.Message.Activity;
import org.junit.jupiter.api.Test;

class ActivityReportTest {

  @Test
  void name_isTheLastPathSegment() {
    assertEquals("hello_2.10-3_amd64.deb",
        ActivityReport.name("http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb"));
    assertEquals("Packages.xz", ActivityReport.name("http://h/dists/main/Packages.xz?x=1"));
    assertEquals("os", ActivityReport.name("http://h/arch/os/"));
  }

  @Test
  void name_longerThanAReportCarries_isCut() {
    String name = ActivityReport.name("http://h/" + "😀".repeat(200));
    assertTrue(name.length() <= Activity.Stream.MAX_NAME_LENGTH, name);
    assertTrue(name.endsWith("…"), name);
    new Activity.Stream(new dev.potluck.protocol.ObjectKey("0".repeat(64)), name, null, 0, -1, 0);
  }
}
