package dev.potluck.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UploadsTest {

  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;

  private long now = 5 * SECOND;

  private Uploads uploads(UploadLimits limits) {
    return new Uploads(limits, () -> now);
  }

  @Test
  void tryStart_refusedOnceEverySlotIsTaken() {
    Uploads uploads = uploads(new UploadLimits(2, 0));
    Uploads.Slot a = uploads.tryStart();
    Uploads.Slot b = uploads.tryStart();
    assertNotNull(a);
    assertNotNull(b);
    assertNull(uploads.tryStart());
    assertEquals(2, uploads.active());
    a.release();
    assertEquals(1, uploads.active());
    assertNotNull(uploads.tryStart());
  }

  @Test
  void release_twiceFreesOneSlot() {
    Uploads uploads = uploads(new UploadLimits(2, 0));
    Uploads.Slot a = uploads.tryStart();
    uploads.tryStart();
    a.release();
    a.release();
    assertEquals(1, uploads.active());
  }

  @Test
  void unlimited_neverWaitsAndAllowsZeroCopy() {
    Uploads uploads = uploads(UploadLimits.NONE);
    assertFalse(uploads.limitsRate());
    assertEquals(0, uploads.reserve(64 * 1024));
    assertEquals(0, uploads.reserve(Integer.MAX_VALUE));
  }

  @Test
  void rateCapped_burstOfAtMostOneSecondThenTheRate() {
    Uploads slow = uploads(new UploadLimits(4, 100_000));
    assertTrue(slow.limitsRate());
    assertEquals(0, slow.reserve(100_000));
    assertEquals(10 * MILLI, slow.reserve(1_000));

    Uploads fast = uploads(new UploadLimits(4, 2L << 20));
    assertEquals(0, fast.reserve(Uploads.MAX_BURST));
    assertEquals(SECOND / 2, fast.reserve(1 << 20), 1);
  }

  @Test
  void rateCapped_allUploadsShareOneBudget() {
    Uploads uploads = uploads(new UploadLimits(4, 1_000_000));
    uploads.reserve(Uploads.MAX_BURST);
    // Two responses take turns: each one's chunk waits for the other's too.
    assertEquals(10 * MILLI, uploads.reserve(10_000), 1);
    assertEquals(20 * MILLI, uploads.reserve(10_000), 1);
  }

  @Test
  void wrote_countsBytesAndTheRecentRate() {
    Uploads uploads = uploads(UploadLimits.NONE);
    for (int i = 0; i < 30; i++) {
      uploads.wrote(100_000);
      now += 100 * MILLI;
    }
    assertEquals(3_000_000, uploads.uploadedBytes());
    assertEquals(1_000_000, uploads.bytesPerSecond(), 50_000);
    now += 4 * SECOND;
    assertEquals(0, uploads.bytesPerSecond());
    assertEquals(3_000_000, uploads.uploadedBytes());
  }
}
