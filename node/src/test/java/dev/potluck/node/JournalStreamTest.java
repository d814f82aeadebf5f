package dev.potluck.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;

class JournalStreamTest {

  @Test
  void matches_variableNamesStderr_true() {
    assertTrue(JournalStream.matches("24:1234", v -> "24:1234"));
  }

  @Test
  void matches_stderrRedirectedElsewhere_false() {
    // A child of a service whose stderr went to a file keeps the variable.
    assertFalse(JournalStream.matches("24:1234", v -> "2049:77"));
  }

  @Test
  void matches_noVariableOrMalformed_false() {
    assertFalse(JournalStream.matches(null, v -> "24:1234"));
    assertFalse(JournalStream.matches("yes", v -> "24:1234"));
  }

  @Test
  void matches_stderrUnreadable_believesTheVariable() {
    assertTrue(JournalStream.matches("24:1234", v -> null));
  }

  @Test
  void isStderr_inThisTest_false() {
    assertFalse(JournalStream.isStderr(java.util.Map.of()));
  }

  @Test
  void prefix_levelsAsSyslogPriorities() {
    assertEquals("<3>", JournalLevel.prefix(Level.ERROR));
    assertEquals("<4>", JournalLevel.prefix(Level.WARN));
    assertEquals("<6>", JournalLevel.prefix(Level.INFO));
    assertEquals("<7>", JournalLevel.prefix(Level.DEBUG));
    assertEquals("<7>", JournalLevel.prefix(Level.TRACE));
  }
}
