package dev.potluck.bench.jmh;

import dev.potluck.bench.harness.Json;
import dev.potluck.bench.harness.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Prints JMH's JSON results as one table: operations per second with JMH's 99.9 % error, body bytes per
 * second where a benchmark counts them, and bytes allocated per operation where {@code -prof gc} ran.
 */
public final class JmhReport {

  private JmhReport() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: JmhReport RESULTS.json");
      System.exit(2);
    }
    String text;
    try {
      text = Files.readString(Path.of(args[0]));
    } catch (NoSuchFileException e) {
      System.err.println("no JMH results at " + args[0]);
      System.exit(1);
      return;
    }
    Object parsed = Json.parse(text);
    if (!(parsed instanceof List<?> results)) {
      System.err.println(args[0] + " is not a JMH result list");
      System.exit(1);
      return;
    }
    Table table = new Table("benchmark", "params", "ops/s", "± (99.9%)", "bytes/s", "alloc B/op");
    for (Object r : results) {
      Map<?, ?> result = (Map<?, ?>) r;
      String name = String.valueOf(result.get("benchmark")).replaceFirst("^dev\\.potluck\\.bench\\.jmh\\.", "");
      Map<?, ?> params = (Map<?, ?>) result.get("params");
      String paramText = params == null ? "" : params.entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
      Map<?, ?> primary = (Map<?, ?>) result.get("primaryMetric");
      Map<?, ?> secondary = (Map<?, ?>) result.get("secondaryMetrics");
      table.row(name, paramText, number(primary.get("score")), number(primary.get("scoreError")),
          secondaryScore(secondary, "bytes", true), secondaryScore(secondary, "gc.alloc.rate.norm", false));
    }
    table.print(System.out);
  }

  private static String secondaryScore(Map<?, ?> secondary, String name, boolean si) {
    if (secondary == null || !(secondary.get(name) instanceof Map<?, ?> metric)) {
      return "-";
    }
    Object score = metric.get("score");
    if (!(score instanceof Number n)) {
      return "-";
    }
    return si ? bytes(n.doubleValue()) : number(n);
  }

  /** Three significant figures, at least, with thousands separators: ops/s span 10 to 10^8. */
  static String number(Object value) {
    if (!(value instanceof Number n) || Double.isNaN(n.doubleValue())) {
      return "-";
    }
    double v = n.doubleValue();
    if (Math.abs(v) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }

  static String bytes(double perSecond) {
    String[] units = {"B/s", "KiB/s", "MiB/s", "GiB/s"};
    int unit = 0;
    while (perSecond >= 1024 && unit < units.length - 1) {
      perSecond /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", perSecond, units[unit]);
  }
}
