package dev.potluck.node.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table for a terminal: a header row, columns padded to their widest cell and two spaces
 * apart, numbers right-aligned. The last column is never padded, so a long URL there does not drag
 * trailing spaces along.
 */
final class Table {

  private final List<String> headers;
  private final boolean[] rightAligned;
  private final List<List<String>> rows = new ArrayList<>();

  /** @param headers column titles; a title starting with {@code >} names a right-aligned column (the mark is dropped) */
  Table(String... headers) {
    this.headers = new ArrayList<>();
    this.rightAligned = new boolean[headers.length];
    for (int i = 0; i < headers.length; i++) {
      rightAligned[i] = headers[i].startsWith(">");
      this.headers.add(rightAligned[i] ? headers[i].substring(1) : headers[i]);
    }
  }

  /** Adds a row; a null cell (unknown) prints as {@code -}, an empty one as nothing. */
  Table row(String... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + headers.size() + " columns");
    }
    List<String> row = new ArrayList<>(cells.length);
    for (String cell : cells) {
      row.add(cell == null ? "-" : cell.replaceAll("\\p{Cntrl}", "?"));
    }
    rows.add(row);
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** The table, one line per row, each ending with a newline. */
  String render() {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = headers.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, headers, widths);
    for (List<String> row : rows) {
      line(out, row, widths);
    }
    return out.toString();
  }

  private void line(StringBuilder out, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      boolean last = i == cells.size() - 1;
      String pad = " ".repeat(widths[i] - cell.length());
      if (i > 0) {
        line.append("  ");
      }
      if (rightAligned[i]) {
        line.append(pad).append(cell);
      } else {
        line.append(cell).append(last ? "" : pad);
      }
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }
}
