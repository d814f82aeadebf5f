package dev.potluck.node.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses transfer rates as people write them, into bytes per second: {@code 500K}, {@code 12.5M/s},
 * {@code 1G} are bytes per second in binary units, as {@link ByteSize} reads sizes; {@code 800kbit},
 * {@code 100mbit}, {@code 1gbit} are bits per second in decimal units, as links are rated. {@code 0}
 * and {@code unlimited} mean no cap and parse to 0. Case is ignored; a trailing {@code /s} is optional.
 */
public final class RateText {

  private static final Pattern BYTES = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?");
  private static final Pattern BITS = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)bits?");

  private RateText() {}

  /** @return bytes per second, 0 for no cap */
  public static long parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.endsWith("/s")) {
      t = t.substring(0, t.length() - 2).stripTrailing();
    }
    if (t.equals("unlimited")) {
      return 0;
    }
    if (t.startsWith("-")) {
      throw new IllegalArgumentException("a rate cannot be negative: '" + text + "'");
    }
    double bytesPerSecond;
    Matcher bits = BITS.matcher(t);
    Matcher bytes = BYTES.matcher(t);
    if (bits.matches()) {
      bytesPerSecond = Double.parseDouble(bits.group(1)) * decimal(bits.group(2)) / 8;
    } else if (bytes.matches()) {
      bytesPerSecond = Double.parseDouble(bytes.group(1)) * binary(bytes.group(2));
    } else {
      throw new IllegalArgumentException(
          "not a rate: '" + text + "' (bytes per second: 500K, 12.5M, 1G; bits: 100mbit; or unlimited)");
    }
    if (bytesPerSecond >= Long.MAX_VALUE / 2) {
      throw new IllegalArgumentException("rate too large: '" + text + "'");
    }
    long rounded = (long) bytesPerSecond;
    if (rounded == 0 && bytesPerSecond > 0) {
      throw new IllegalArgumentException("rate below 1 byte per second: '" + text + "' (0 or unlimited means no cap)");
    }
    return rounded;
  }

  /** The inverse, for messages and the status API: {@code 12.5 MiB/s}, or {@code unlimited} for 0. */
  public static String format(long bytesPerSecond) {
    return bytesPerSecond == 0 ? "unlimited" : ByteSize.format(bytesPerSecond) + "/s";
  }

  private static double binary(String unit) {
    return switch (unit) {
      case "k" -> 1L << 10;
      case "m" -> 1L << 20;
      case "g" -> 1L << 30;
      case "t" -> 1L << 40;
      default -> 1;
    };
  }

  private static double decimal(String unit) {
    return switch (unit) {
      case "k" -> 1e3;
      case "m" -> 1e6;
      case "g" -> 1e9;
      case "t" -> 1e12;
      default -> 1;
    };
  }
}
