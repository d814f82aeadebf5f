package dev.potluck.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.Locale;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Routes Vert.x and JUL logging through SLF4J/Logback and sets Potluck's own level. Under systemd the
 * lines go to the journal without timestamps of their own (the journal has them) and with their
 * priority as a {@code <N>} prefix; anywhere else they carry a timestamp and the level's name.
 */
final class Logging {

  private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace");

  /** The pattern for the journal; logback.xml's default is for a terminal or a file. */
  static final String JOURNAL_PATTERN = "%journalLevel%logger{0} - %msg%n";

  /** The logger of the one-line-per-request access log. */
  static final String ACCESS_LOGGER = "dev.potluck.access";

  private Logging() {}

  /** Must run before any Vert.x class is loaded. */
  static void install() {
    if (JournalStream.isStderr(System.getenv())) {
      // Read by logback.xml when Logback starts, which is after this line.
      System.setProperty("potluck.log.pattern", JOURNAL_PATTERN);
    }
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
  }

  static void setLevel(String level) {
    String l = level.toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(l)) {
      throw new IllegalArgumentException("--log-level: expected one of error, warn, info, debug, trace; got '" + level + "'");
    }
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.potluck")).setLevel(Level.toLevel(l));
  }

  /** Turns the one-line-per-request access log on or off. */
  static void accessLog(boolean on) {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(ACCESS_LOGGER)).setLevel(on ? Level.INFO : Level.OFF);
  }

  static void flush() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
  }
}
