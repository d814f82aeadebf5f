package dev.potluck.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/** Builds frames byte by byte, valid or not, for codec tests. */
final class Frames {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** A frame starting with the valid magic and version and {@code tag}. */
  static Frames header(int tag) {
    return new Frames().u8(0x50).u8(0x4C).u8(MessageCodec.FORMAT_VERSION).u8(tag);
  }

  static Frames empty() {
    return new Frames();
  }

  /** Bytes from hex, spaces allowed for readability. */
  static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", ""));
  }

  /** Decodes {@code frame}, expecting it to be refused, and returns the reason. */
  static String refusal(byte[] frame) {
    return assertThrows(MalformedMessageException.class, () -> MessageCodec.decode(frame)).getMessage();
  }

  Frames u8(int value) {
    out.write(value);
    return this;
  }

  Frames u16(int value) {
    return u8(value >>> 8).u8(value);
  }

  Frames i32(int value) {
    return u16(value >>> 16).u16(value);
  }

  Frames i64(long value) {
    return i32((int) (value >>> 32)).i32((int) value);
  }

  Frames bytes(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  Frames bytes(String hex) {
    return bytes(hex(hex));
  }

  /** A string field whose length prefix tells the truth. */
  Frames string(byte[] utf8) {
    return u16(utf8.length).bytes(utf8);
  }

  byte[] build() {
    return out.toByteArray();
  }
}
