package dev.potluck.dashboard;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * How a node decides what to believe, for {@code /api/v1/status}.
 *
 * @param group {@code "open"} (no secret: any host on the LAN may join, and only what an authority
 *     vouches for is taken from members), {@code "secret"}, or {@code "alone"}
 * @param verified objects committed after a check, by authority ({@code signed-metadata},
 *     {@code content-name}, {@code own-fetch})
 * @param unverifiedRepositories repositories whose metadata failed its check, with why; nothing they
 *     list is shared
 */
public record TrustStatus(String group, Map<String, Long> verified, List<String> unverifiedRepositories) {

  public TrustStatus {
    verified = Map.copyOf(verified);
    unverifiedRepositories = List.copyOf(unverifiedRepositories);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("group", group)
        .put("verified", new JsonObject(new java.util.LinkedHashMap<>(verified)))
        .put("unverifiedRepositories", new JsonArray(unverifiedRepositories));
  }
}
