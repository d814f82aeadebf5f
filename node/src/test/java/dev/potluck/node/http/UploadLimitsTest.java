package dev.potluck.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UploadLimitsTest {

  @Test
  void unlimited_isNone() {
    assertSame(UploadLimits.NONE, UploadLimits.unlimited());
    assertFalse(UploadLimits.NONE.rateCapped());
    assertEquals(Integer.MAX_VALUE, UploadLimits.NONE.maxUploads());
  }

  @Test
  void rateCapped_whenBytesPerSecondSet() {
    assertTrue(new UploadLimits(1, 1).rateCapped());
    assertFalse(new UploadLimits(1, 0).rateCapped());
  }

  @Test
  void constructor_refusesBadValuesNamingThem() {
    IllegalArgumentException uploads = assertThrows(IllegalArgumentException.class, () -> new UploadLimits(0, 0));
    assertTrue(uploads.getMessage().contains("not 0"), uploads.getMessage());
    IllegalArgumentException rate = assertThrows(IllegalArgumentException.class, () -> new UploadLimits(1, -5));
    assertTrue(rate.getMessage().contains("-5"), rate.getMessage());
  }
}
