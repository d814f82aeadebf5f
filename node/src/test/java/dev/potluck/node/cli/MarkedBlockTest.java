package dev.potluck.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MarkedBlockTest {

  private static final String BLOCK = MarkedBlock.wrap("x", "a = 1\n");

  @Test
  void wrap_markersNameTheCommands() {
    assertEquals("# BEGIN potluck: written by 'potluck setup x --write'; 'potluck setup x --undo' removes it\n"
        + "a = 1\n# END potluck\n", BLOCK);
  }

  @Test
  void put_top_beforeEverything() {
    assertEquals(BLOCK + "Server = b\n", MarkedBlock.put("Server = b\n", BLOCK, MarkedBlock.Place.TOP));
  }

  @Test
  void put_end_afterEverything_evenWithoutAFinalNewline() {
    assertEquals("a = 0\n" + BLOCK, MarkedBlock.put("a = 0", BLOCK, MarkedBlock.Place.END));
  }

  @Test
  void put_emptyFile_justTheBlock() {
    assertEquals(BLOCK, MarkedBlock.put("", BLOCK, MarkedBlock.Place.END));
  }

  @Test
  void put_endOfMain_beforeTheNextSection_andItsBlankLines() {
    String text = "# c\n[main]\ngpgcheck=1\n\n[repo]\nname=r\n";

    assertEquals("# c\n[main]\ngpgcheck=1\n" + BLOCK + "\n[repo]\nname=r\n",
        MarkedBlock.put(text, BLOCK, MarkedBlock.Place.END_OF_MAIN));
  }

  @Test
  void put_endOfMain_mainLast() {
    assertEquals("[main]\ngpgcheck=1\n" + BLOCK + "\n",
        MarkedBlock.put("[main]\ngpgcheck=1\n\n", BLOCK, MarkedBlock.Place.END_OF_MAIN));
  }

  @Test
  void put_endOfMain_noMain_makesOneFirst() {
    assertEquals("[main]\n" + BLOCK + "[repo]\n", MarkedBlock.put("[repo]\n", BLOCK, MarkedBlock.Place.END_OF_MAIN));
  }

  @Test
  void put_twice_oneCopy_inItsPlace() {
    String once = MarkedBlock.put("Server = b\n", BLOCK, MarkedBlock.Place.TOP);
    String changed = MarkedBlock.wrap("x", "a = 2\n");

    assertEquals(once, MarkedBlock.put(once, BLOCK, MarkedBlock.Place.TOP));
    assertEquals(changed + "Server = b\n", MarkedBlock.put(once, changed, MarkedBlock.Place.TOP));
    // A block the user moved stays where they put it.
    String moved = "Server = b\n" + BLOCK;
    assertEquals("Server = b\n" + changed, MarkedBlock.put(moved, changed, MarkedBlock.Place.TOP));
  }

  @Test
  void remove_givesBackTheFileAsItWas() {
    String original = "# mine\n[main]\nproxy_username=me\n\n[repo]\nbaseurl=http://r/\n";
    for (MarkedBlock.Place place : MarkedBlock.Place.values()) {
      String with = MarkedBlock.put(original, BLOCK, place);
      assertTrue(MarkedBlock.present(with));
      assertEquals(original, MarkedBlock.remove(with), place.name());
    }
  }

  @Test
  void remove_noBlock_unchanged() {
    assertEquals("a\nb", MarkedBlock.remove("a\nb"));
    assertFalse(MarkedBlock.present("a\n# END potluck\n"));
  }

  @Test
  void unterminatedBlock_refused_notGuessed() {
    String broken = "a\n# BEGIN potluck: by hand\nb\n";

    var e = assertThrows(IllegalStateException.class, () -> MarkedBlock.remove(broken));
    assertTrue(e.getMessage().contains("has no '# END potluck'"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> MarkedBlock.put(broken, BLOCK, MarkedBlock.Place.END));
  }
}
