package dev.potluck.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * Whether this process's stderr is systemd's journal. systemd sets {@code JOURNAL_STREAM=DEV:INODE} for
 * a service whose output goes to the journal; a child whose stderr was redirected elsewhere inherits the
 * variable, so the stream's device and inode must match too (as sd_journal_stream_fd(3) advises).
 * The journal stamps every line itself, and reads a {@code <N>} priority prefix (syslog's numbers), so
 * the log pattern changes accordingly.
 */
final class JournalStream {

  private JournalStream() {}

  /** {@code JOURNAL_STREAM} names this process's stderr. */
  static boolean isStderr(Map<String, String> env) {
    return matches(env.get("JOURNAL_STREAM"), JournalStream::statStderr);
  }

  /**
   * @param stat the {@code DEV:INODE} of stderr, or null when it cannot be read (then the variable is
   *     believed: a service under systemd is the common case)
   */
  static boolean matches(String journalStream, Function<Void, String> stat) {
    if (journalStream == null || !journalStream.matches("\\d+:\\d+")) {
      return false;
    }
    String actual = stat.apply(null);
    return actual == null || actual.equals(journalStream);
  }

  private static String statStderr(Void unused) {
    try {
      // /proc/self/fd/2 resolves to the stream itself, a socket when it is the journal.
      Map<String, Object> a = Files.readAttributes(Path.of("/proc/self/fd/2"), "unix:dev,ino");
      return a.get("dev") + ":" + a.get("ino");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return null;
    }
  }
}
