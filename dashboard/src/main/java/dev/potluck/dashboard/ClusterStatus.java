package dev.potluck.dashboard;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The node's view of its cluster, as {@code /api/v1/status} reports it under {@code cluster}.
 *
 * @param name the cluster name
 * @param members the current view, this node included
 * @param peerRequests requests this node made to other nodes' peer API
 * @param peerBytes body bytes this node received from other nodes
 * @param activeUploads peers downloading from this node now
 * @param uploadedBytes body bytes this node served to other nodes
 * @param messagesSent cluster control messages sent
 * @param messagesReceived cluster control messages received
 * @param blocklisted members never asked again, with the reason
 * @param share false when this node serves nobody ({@code --no-share})
 */
public record ClusterStatus(String name, List<Member> members, long peerRequests, long peerBytes,
    int activeUploads, long uploadedBytes, long messagesSent,
    long messagesReceived, Map<String, String> blocklisted, boolean share) {

  /**
   * One member.
   *
   * @param peerApi where its peer API listens, or null until its load gossip has said
   */
  public record Member(String nodeId, boolean self, String peerApi) {}

  public ClusterStatus {
    members = List.copyOf(members);
    blocklisted = Map.copyOf(blocklisted);
  }

  JsonObject toJson() {
    JsonArray memberJson = new JsonArray();
    for (Member m : members) {
      memberJson.add(new JsonObject().put("nodeId", m.nodeId()).put("self", m.self()).put("peerApi", m.peerApi()));
    }
    JsonObject blocked = new JsonObject();
    blocklisted.forEach(blocked::put);
    return new JsonObject()
        .put("name", name)
        .put("members", memberJson)
        .put("peerRequests", peerRequests)
        .put("peerBytes", peerBytes)
        .put("activeUploads", activeUploads)
        .put("uploadedBytes", uploadedBytes)
        .put("messagesSent", messagesSent)
        .put("messagesReceived", messagesReceived)
        .put("blocklisted", blocked)
        .put("share", share);
  }
}
