package dev.potluck.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.potluck.protocol.Message;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated frames: decoding must return a message or throw {@link MalformedMessageException},
 * never anything else. A frame that decodes must re-encode to exactly the same bytes (one encoding per
 * message), which also catches a decoder that accepts garbage by skipping or guessing.
 */
class MessageCodecFuzzTest {
  // Seeded, so a failure names its iteration and reproduces on every run.
  private static final long SEED = 0x5EED_F00DL;
  private static final int ITERATIONS = 200_000;

  private static final int POOL_SIZE = 4_000;

  @Test
  void decode_randomAndMutatedFrames_returnOrThrowMalformedOnly() {
    SplittableRandom random = new SplittableRandom(SEED);
    List<byte[]> valid = validFrames(random);
    int decoded = 0;
    int refused = 0;
    int parsedPastHeader = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] frame = i % 2 == 0 ? randomFrame(random) : mutatedFrame(random, valid);
      try {
        Message message = MessageCodec.decode(frame);
        decoded++;
        assertArrayEquals(frame, MessageCodec.encode(message), () -> "re-encoding differs: " + describe(frame));
      } catch (MalformedMessageException e) {
        refused++;
        String reason = e.getMessage();
        if (!reason.startsWith("bad magic") && !reason.startsWith("unsupported format")
            && !reason.startsWith("unknown message type") && !reason.startsWith("truncated frame: header")) {
          parsedPastHeader++;
        }
      } catch (Throwable t) {
        fail("iteration " + i + ": " + t + " for " + describe(frame), t);
      }
    }
    // Guards against a fuzzer that never reaches the field parsers.
    assertTrue(decoded > 1_000, "decoded " + decoded);
    assertTrue(refused > 50_000, "refused " + refused);
    assertTrue(parsedPastHeader > 50_000, "refused past the header " + parsedPastHeader);
  }

  /** 0 to 300 random bytes, half of the time after a valid magic, version and a plausible tag. */
  private static byte[] randomFrame(SplittableRandom random) {
    byte[] frame = new byte[random.nextInt(301)];
    random.nextBytes(frame);
    if (frame.length >= 4 && random.nextBoolean()) {
      frame[0] = 0x50;
      frame[1] = 0x4C;
      frame[2] = (byte) MessageCodec.FORMAT_VERSION;
      frame[3] = (byte) random.nextInt(0, 14);
    }
    return frame;
  }

  /** Encodings of the fixed samples and of random messages, drawn once to keep the loop fast. */
  private static List<byte[]> validFrames(SplittableRandom random) {
    List<byte[]> frames = new ArrayList<>();
    for (Message sample : Samples.all()) {
      frames.add(MessageCodec.encode(sample));
    }
    while (frames.size() < POOL_SIZE) {
      frames.add(MessageCodec.encode(Samples.random(random)));
    }
    return frames;
  }

  /** A valid frame with 1 to 3 bytes flipped, inserted or deleted. */
  private static byte[] mutatedFrame(SplittableRandom random, List<byte[]> valid) {
    byte[] frame = valid.get(random.nextInt(valid.size())).clone();
    int mutations = random.nextInt(1, 4);
    for (int m = 0; m < mutations; m++) {
      int kind = random.nextInt(3);
      if (kind == 0 && frame.length > 0) {
        frame[random.nextInt(frame.length)] ^= (byte) random.nextInt(1, 256);
      } else if (kind == 1) {
        int at = random.nextInt(frame.length + 1);
        byte[] longer = new byte[frame.length + 1];
        System.arraycopy(frame, 0, longer, 0, at);
        longer[at] = (byte) random.nextInt(256);
        System.arraycopy(frame, at, longer, at + 1, frame.length - at);
        frame = longer;
      } else if (frame.length > 0) {
        int at = random.nextInt(frame.length);
        byte[] shorter = new byte[frame.length - 1];
        System.arraycopy(frame, 0, shorter, 0, at);
        System.arraycopy(frame, at + 1, shorter, at, frame.length - at - 1);
        frame = shorter;
      }
    }
    return frame;
  }

  private static String describe(byte[] frame) {
    String hex = HexFormat.of().formatHex(frame, 0, Math.min(frame.length, 400));
    return frame.length + " bytes: " + hex + (frame.length > 400 ? "..." : "");
  }
}
