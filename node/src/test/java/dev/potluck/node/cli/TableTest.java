package dev.potluck.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TableTest {

  @Test
  void render_padsColumns_rightAlignsMarkedOnes_lastColumnUnpadded() {
    String text = new Table("NAME", ">SIZE", "URL")
        .row("a", "1 B", "http://h/a")
        .row("longer", "12.5 MiB", "http://h/b/c")
        .render();

    assertEquals(""
        + "NAME        SIZE  URL\n"
        + "a            1 B  http://h/a\n"
        + "longer  12.5 MiB  http://h/b/c\n", text);
  }

  @Test
  void row_nullCellPrintsDash_emptyCellNothing() {
    assertEquals("A  B\n-  x\n   -\n", new Table("A", "B").row(null, "x").row("", null).render());
  }

  @Test
  void row_controlCharacters_replaced() {
    assertEquals("A\nx?y?z\n", new Table("A").row("x\ny\u001bz").render());
  }

  @Test
  void row_wrongCellCount_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("1"));
    assertEquals("a row of 1 cells in a table of 2 columns", e.getMessage());
  }

  @Test
  void render_trailingBlankCells_noTrailingSpaces() {
    assertEquals("A  B\nx\n", new Table("A", "B").row("x", "").render());
  }
}
