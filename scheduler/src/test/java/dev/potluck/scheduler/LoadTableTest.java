package dev.potluck.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.potluck.protocol.Message.Load;
import dev.potluck.protocol.NodeId;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadTableTest {

  private static final NodeId A = NodeId.random(new java.util.Random(7));
  private static final NodeId B = NodeId.random(new java.util.Random(8));

  private static Load uploads(int n) {
    return new Load(n, 0, 0, 0, 7879, "test");
  }

  @Test
  void aBurst_spreadsByTheArbitersOwnAssignments_beforeAnyLoadArrives() {
    LoadTable table = new LoadTable(SchedulerConfig.defaults().assignmentWindowMillis());
    table.assigned(A, 1_000);
    table.assigned(A, 1_001);
    assertEquals(2, table.weight(A, 1_002));
    assertEquals(List.of(B, A), table.rank(List.of(A, B), 42, 1_002));
  }

  @Test
  void anAssignmentJustBeforeTheHoldersLastUpdate_stopsCountingOnceThatUpdateIsOld() {
    // The last upload of a run: assigned at 10,000 ms, the holder tells "1" at 10,050 and, when it ends,
    // "0" at 10,250 (both within the gossip lag of the assignment, so neither purges it); then silence,
    // which now means "unchanged". 1.5 s later the holder is idle and must rank as idle.
    LoadTable table = new LoadTable(SchedulerConfig.defaults().assignmentWindowMillis());
    table.assigned(A, 10_000);
    table.update(A, uploads(1), 10_050);
    table.update(A, uploads(0), 10_250);
    table.update(B, uploads(0), 10_250);
    assertEquals(0, table.weight(A, 11_750), "idle for 1.5 s, counted as idle");
    assertEquals(table.weight(B, 11_750), table.weight(A, 11_750));
  }
}
