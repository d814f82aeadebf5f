package dev.potluck.node.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * {@code potluck dump} as text: one row per object of {@code /api/v1/objects} (most recently used
 * first, fetches under way last), then a total. Times are UTC.
 */
final class DumpReport {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
      .withZone(ZoneOffset.UTC);

  private DumpReport() {}

  static String render(JsonObject objects) {
    JsonArray list = objects.getJsonArray("objects", new JsonArray());
    if (list.isEmpty()) {
      return "the cache is empty\n";
    }
    Table table = new Table(">SIZE", "STORED", "LAST USED", ">HOLDERS", ">MAX AGE", ">SHARES", "SHA256", "URL");
    for (Object o : list) {
      if (!(o instanceof JsonObject object)) {
        continue;
      }
      boolean complete = "complete".equals(object.getValue("state"));
      String size;
      if (complete) {
        size = StatusReport.bytes(StatusReport.number(object, "size"));
      } else if (object.getValue("size") instanceof Number total && total.longValue() > 0) {
        size = StatusReport.number(object, "received") * 100 / total.longValue() + "% of "
            + StatusReport.bytes(total.longValue());
      } else {
        size = StatusReport.bytes(StatusReport.number(object, "received")) + " so far";
      }
      JsonArray holders = object.getValue("holders") instanceof JsonArray h ? h : null;
      JsonObject sharing = object.getValue("sharing") instanceof JsonObject j ? j : null;
      table.row(size, complete ? time(object.getValue("storedAt")) : "fetching", time(object.getValue("lastAccess")),
          holders == null ? null : Integer.toString(holders.size()),
          sharing == null ? null : duration(StatusReport.number(sharing, "maxAge")),
          sharing == null ? null : shares(sharing), object.getString("sha256"),
          StatusReport.text(object.getValue("url")));
    }
    long complete = StatusReport.number(objects, "complete");
    long partial = StatusReport.number(objects, "partial");
    return table.render() + "\n" + complete + " complete object" + (complete == 1 ? "" : "s") + ", "
        + StatusReport.bytes(StatusReport.number(objects, "bytes"))
        + (partial > 0 ? "; " + partial + " being fetched" : "")
        + "; HOLDERS is known on the object's arbiter only; MAX AGE and SHARES (served to peers / most) are"
        + " those of objects published here\n";
  }

  /** Seconds as the largest whole unit that fits: {@code 90s}, {@code 15m}, {@code 2h}, {@code 7d}. */
  static String duration(long seconds) {
    if (seconds % 86_400 == 0 && seconds > 0) {
      return seconds / 86_400 + "d";
    }
    if (seconds % 3_600 == 0 && seconds > 0) {
      return seconds / 3_600 + "h";
    }
    if (seconds % 60 == 0 && seconds > 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }

  private static String shares(JsonObject sharing) {
    long most = StatusReport.number(sharing, "maxShares");
    return StatusReport.number(sharing, "shares") + "/" + (most == 0 ? "any" : Long.toString(most));
  }

  private static String time(Object iso) {
    if (!(iso instanceof String text)) {
      return null;
    }
    try {
      return TIME.format(Instant.parse(text));
    } catch (DateTimeParseException e) {
      return text;
    }
  }
}
