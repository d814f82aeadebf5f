package dev.potluck.node.cluster;

import java.util.List;
import org.jgroups.stack.Protocol;

/** Test access to the node's JGroups stack, for members that misbehave on purpose. */
public final class RogueStack {
  private RogueStack() {}

  public static List<Protocol> of(ClusterSettings settings) throws Exception {
    return JGroupsCluster.stack(settings);
  }
}
