package dev.potluck.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's {@code %journalLevel}: the {@code <N>} prefix by which the journal takes a line's priority
 * (sd-daemon(3)): error 3, warn 4, info 6, debug and trace 7. {@code journalctl -p warning} then finds
 * the node's warnings.
 */
public final class JournalLevel extends ClassicConverter {

  @Override
  public String convert(ILoggingEvent event) {
    return prefix(event.getLevel());
  }

  static String prefix(Level level) {
    return switch (level.toInt()) {
      case Level.ERROR_INT -> "<3>";
      case Level.WARN_INT -> "<4>";
      case Level.INFO_INT -> "<6>";
      default -> "<7>";
    };
  }
}
