package dev.potluck.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.Locale;
import java.util.Set;
import org.slf4j.LoggerFactory;

/** Routes Vert.x and JUL logging through SLF4J/Logback and sets Potluck's own level. */
final class Logging {

  private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace");

  private Logging() {}

  /** Must run before any Vert.x class is loaded. */
  static void install() {
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

  static void flush() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
  }
}
