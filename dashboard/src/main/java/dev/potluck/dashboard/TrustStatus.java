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
 * @param imports the package caches offered read-only ({@code --import}), or null when there are none
 */
public record TrustStatus(String group, Map<String, Long> verified, List<String> unverifiedRepositories,
    Imports imports) {

  public TrustStatus {
    verified = Map.copyOf(verified);
    unverifiedRepositories = List.copyOf(unverifiedRepositories);
  }

  public TrustStatus(String group, Map<String, Long> verified, List<String> unverifiedRepositories) {
    this(group, verified, unverifiedRepositories, null);
  }

  /**
   * Imported package caches: the folders, how many files are offered (a verified package list vouches
   * for their bytes), and how many are not, by reason.
   */
  public record Imports(List<String> dirs, int offered, Map<String, Integer> refused) {
    public Imports {
      dirs = List.copyOf(dirs);
      refused = Map.copyOf(refused);
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("dirs", new JsonArray(dirs))
          .put("offered", offered)
          .put("refused", refused.values().stream().mapToInt(Integer::intValue).sum())
          .put("refusedBecause", new JsonObject(new java.util.TreeMap<>(refused)));
    }
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("group", group)
        .put("verified", new JsonObject(new java.util.LinkedHashMap<>(verified)))
        .put("unverifiedRepositories", new JsonArray(unverifiedRepositories))
        .put("imports", imports == null ? null : imports.toJson());
  }
}
