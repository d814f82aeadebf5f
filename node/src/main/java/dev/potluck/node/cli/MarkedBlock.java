package dev.potluck.node.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Potluck's lines inside a configuration file that belongs to someone else (pacman's mirrorlist,
 * nix.conf, dnf.conf), between two marker lines, so that they can be replaced or removed without
 * touching a byte of the rest. Pure text in, text out.
 *
 * <p>Writing again replaces the block where it is (one copy, however often it runs); removing it gives
 * back the file as it was before the block went in. A begin marker without its end marker is someone's
 * hand edit: both operations refuse it rather than guess where the block ends.
 */
final class MarkedBlock {

  /** Where a new block goes. */
  enum Place {
    /** Before the first line: read before anything else in the file (pacman tries servers in order). */
    TOP,
    /** After the last line: overrides earlier settings of the same name (nix.conf). */
    END,
    /** At the end of the {@code [main]} section, which is made if the file has none (dnf.conf). */
    END_OF_MAIN
  }

  static final String BEGIN = "# BEGIN potluck";
  static final String END_LINE = "# END potluck";

  private MarkedBlock() {}

  /** The block's lines wrapped in markers; {@code command} says what wrote it and what removes it. */
  static String wrap(String command, String body) {
    String text = body.endsWith("\n") ? body : body + "\n";
    return BEGIN + ": written by 'potluck setup " + command + " --write'; 'potluck setup " + command
        + " --undo' removes it\n" + text + END_LINE + "\n";
  }

  /** Whether {@code text} holds a block. */
  static boolean present(String text) {
    return lines(text).stream().anyMatch(MarkedBlock::isBegin);
  }

  /** {@code text} with {@code block} (from {@link #wrap}) in place of any old one, or at {@code place}. */
  static String put(String text, String block, Place place) {
    List<String> lines = lines(text);
    int at = blockStart(lines);
    List<String> without = strip(lines);
    List<String> blockLines = lines(block);
    if (at < 0) {
      at = switch (place) {
        case TOP -> 0;
        case END -> without.size();
        case END_OF_MAIN -> endOfMain(without);
      };
      if (place == Place.END_OF_MAIN && at < 0) {
        // No [main] section: one goes first, since options above every header are an error to dnf.
        blockLines = new ArrayList<>(blockLines);
        blockLines.add(0, "[main]");
        at = 0;
      }
    }
    List<String> out = new ArrayList<>(without);
    out.addAll(at, blockLines);
    return join(out);
  }

  /** {@code text} without the block; unchanged when it has none. */
  static String remove(String text) {
    return present(text) ? join(strip(lines(text))) : text;
  }

  private static boolean isBegin(String line) {
    return line.startsWith(BEGIN);
  }

  private static int blockStart(List<String> lines) {
    for (int i = 0; i < lines.size(); i++) {
      if (isBegin(lines.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> strip(List<String> lines) {
    List<String> out = new ArrayList<>();
    boolean inside = false;
    for (String line : lines) {
      if (isBegin(line)) {
        if (inside) {
          throw new IllegalStateException("a '" + BEGIN + "' line follows another without '" + END_LINE
              + "' between them; fix the file by hand");
        }
        inside = true;
      } else if (inside && line.equals(END_LINE)) {
        inside = false;
      } else if (!inside) {
        out.add(line);
      }
    }
    if (inside) {
      throw new IllegalStateException("a '" + BEGIN + "' line has no '" + END_LINE + "' after it; fix the file by hand");
    }
    return out;
  }

  /** The index after the last line of the {@code [main]} section (trailing blank lines excluded), or -1. */
  private static int endOfMain(List<String> lines) {
    int main = -1;
    for (int i = 0; i < lines.size(); i++) {
      String t = lines.get(i).strip();
      if (main < 0 && t.equalsIgnoreCase("[main]")) {
        main = i;
      } else if (main >= 0 && t.startsWith("[")) {
        int end = i;
        while (end > main + 1 && lines.get(end - 1).isBlank()) {
          end--;
        }
        return end;
      }
    }
    if (main < 0) {
      return -1;
    }
    int end = lines.size();
    while (end > main + 1 && lines.get(end - 1).isBlank()) {
      end--;
    }
    return end;
  }

  private static List<String> lines(String text) {
    if (text.isEmpty()) {
      return new ArrayList<>();
    }
    String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    return new ArrayList<>(Arrays.asList(body.split("\n", -1)));
  }

  private static String join(List<String> lines) {
    return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
  }
}
