package dev.potluck.bench.lan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The LAN benchmark's report for people: an HTML page with a table per workload and charts drawn with
 * XChart as PNGs beside it: makespan per system and workload (with the ideal), upstream bytes over
 * unique bytes per system and workload, and the bytes each host's LAN port sent, per workload. It reads
 * the same map the JSON results are written from, so the page never shows a figure the JSON lacks.
 */
public final class LanCharts {

  private static final int WIDTH = 900;
  private static final int HEIGHT = 480;

  private LanCharts() {}

  /** Writes {@code dir/index.html} and its PNGs (replacing an earlier report's); returns the page. */
  public static Path write(Map<String, Object> report, Path dir) throws IOException {
    Files.createDirectories(dir);
    try (var old = Files.list(dir)) {
      for (Path p : old.filter(p -> p.toString().endsWith(".png") || p.toString().endsWith(".html")).toList()) {
        Files.delete(p);
      }
    }
    Map<?, ?> workloads = map(report.get("workloads"));
    List<String> ids = new ArrayList<>();
    workloads.keySet().forEach(k -> ids.add(String.valueOf(k)));
    List<String> systems = systems(report);

    StringBuilder html = new StringBuilder();
    html.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Potluck LAN benchmark</title>\n")
        .append("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}")
        .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
        .append("th:first-child,td:first-child{text-align:left}img{max-width:100%}</style></head><body>\n")
        .append("<h1>Potluck LAN benchmark</h1>\n");
    Map<?, ?> settings = map(report.get("settings"));
    Map<?, ?> lan = map(report.get("lan"));
    Map<?, ?> set = map(report.get("packageSet"));
    Map<?, ?> machine = map(report.get("machine"));
    html.append("<p>").append(esc(String.valueOf(report.get("startedAt")))).append(": ")
        .append(settings.get("hosts")).append(" hosts, ").append(set.get("count")).append(" packages (")
        .append(String.format(Locale.ROOT, "%.1f MiB", num(set.get("uniqueBytes")) / 1048576)).append("), WAN ")
        .append(lan.get("wanMbitPerSecond")).append(" Mbit/s, LAN ").append(lan.get("lanMbitPerSecond"))
        .append(" Mbit/s per host, clients: ").append(esc(String.valueOf(settings.get("client")))).append("; machine: ")
        .append(esc(machine.get("nproc") + " CPUs, " + machine.get("cpu") + ", " + machine.get("java"))).append(".</p>\n");
    html.append("<p>Ideal makespan: the bytes that must cross the WAN at its rate, or each host's start plus its own ")
        .append("packages at its LAN port's rate, whichever is larger. Upload: bytes each host's LAN port sent ")
        .append("(interface counter), its own requests and ACKs included.</p>\n");

    if (!ids.isEmpty()) {
      CategoryChart makespan = chart("Makespan per workload (last host done), against the ideal", "workload", "seconds");
      CategoryChart upstream = chart("Upstream bytes / unique bytes (WAN link counter)", "workload", "ratio");
      List<Number> ideal = new ArrayList<>();
      for (String id : ids) {
        ideal.add(num(map(workloads.get(id)).get("idealSeconds")));
      }
      makespan.addSeries("ideal", ids, ideal).setFillColor(java.awt.Color.LIGHT_GRAY);
      for (String s : systems) {
        makespan.addSeries(s, ids, figure(workloads, ids, s, r -> r.get("makespanSeconds"))).setFillColor(color(s));
        upstream.addSeries(s, ids, figure(workloads, ids, s, r -> map(r.get("upstream")).get("wireOverUnique")))
            .setFillColor(color(s));
      }
      save(makespan, dir.resolve("makespan.png"));
      save(upstream, dir.resolve("upstream.png"));
      html.append("<h2>All workloads</h2>\n<img src=\"makespan.png\" alt=\"makespan per system and workload\">\n")
          .append("<img src=\"upstream.png\" alt=\"upstream bytes over unique bytes per system and workload\">\n");
    }

    for (String id : ids) {
      Map<?, ?> w = map(workloads.get(id));
      Map<?, ?> results = map(w.get("systems"));
      html.append("<h2>Workload ").append(esc(id)).append(": ").append(esc(String.valueOf(w.get("title")))).append("</h2>\n")
          .append(String.format(Locale.ROOT, "<p>%.1f MiB unique, %s files in all, ideal %.1f s.</p>%n",
              num(w.get("uniqueBytes")) / 1048576, w.get("filesWanted"), num(w.get("idealSeconds"))));
      html.append("<table><tr><th>figure</th>");
      for (String s : systems) {
        html.append("<th>").append(esc(s)).append("</th>");
      }
      html.append("</tr>\n");
      row(html, results, systems, "makespan, s", r -> f2(r.get("makespanSeconds")));
      row(html, results, systems, "makespan / ideal", r -> f2(r.get("makespanOverIdeal")));
      row(html, results, systems, "upstream bytes / unique bytes (link counter)",
          r -> f2(map(r.get("upstream")).get("wireOverUnique")));
      row(html, results, systems, "same, nginx's body bytes", r -> f2(map(r.get("upstream")).get("bodyOverUnique")));
      row(html, results, systems, "hosts that fetched from upstream", r -> String.valueOf(map(r.get("upstream")).get("hostsFetching")));
      row(html, results, systems, "sent per host: max / mean, MiB",
          r -> mib(map(r.get("uploads")).get("maxBytes")) + " / " + mib(map(r.get("uploads")).get("meanBytes")));
      row(html, results, systems, "control messages per object", r -> f2(r.get("controlMessagesPerObject")));
      row(html, results, systems, "peak RSS, MiB", r -> r.get("peakRssKiB") == null ? "-"
          : String.format(Locale.ROOT, "%.0f", num(r.get("peakRssKiB")) / 1024));
      row(html, results, systems, "client re-runs after a failure", r -> String.valueOf(r.get("clientReruns")));
      row(html, results, systems, "files verified", r -> r.get("filesVerified") + " / " + r.get("filesChecked"));
      html.append("</table>\n");
      for (String s : systems) {
        Object error = map(results.get(s)).get("error");
        if (error != null) {
          html.append("<p><b>").append(esc(s)).append(" failed:</b> ").append(esc(String.valueOf(error))).append("</p>\n");
        }
      }

      CategoryChart upload = chart("Workload " + id + ": bytes sent by each host's LAN port", "host", "MiB");
      List<String> hosts = new ArrayList<>();
      int n = ((Number) settings.get("hosts")).intValue();
      for (int i = 1; i <= n; i++) {
        hosts.add("h" + i);
      }
      for (String s : systems) {
        List<Number> perHost = new ArrayList<>();
        Object list = map(map(results.get(s)).get("uploads")).get("perHostBytes");
        for (int i = 0; i < n; i++) {
          perHost.add(list instanceof List<?> l && i < l.size() ? num(l.get(i)) / 1048576 : 0.0);
        }
        upload.addSeries(s, hosts, perHost).setFillColor(color(s));
      }
      String png = "upload-" + id + ".png";
      save(upload, dir.resolve(png));
      html.append("<img src=\"").append(png).append("\" alt=\"bytes sent per host, workload ").append(esc(id)).append("\">\n");
    }
    html.append("<p>Everything, per host and per node: <code>")
        .append(esc(String.valueOf(settings.get("out")))).append("</code>.</p>\n</body></html>\n");
    Path page = dir.resolve("index.html");
    Files.writeString(page, html, StandardCharsets.UTF_8);
    return page;
  }

  private static CategoryChart chart(String title, String x, String y) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
    Styler styler = chart.getStyler();
    styler.setLegendPosition(Styler.LegendPosition.OutsideE);
    styler.setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setAvailableSpaceFill(0.8);
    chart.getStyler().setOverlapped(false);
    return chart;
  }

  /** One colour per system in every chart. */
  private static java.awt.Color color(String system) {
    return switch (system) {
      case "direct" -> new java.awt.Color(0x4e79a7);
      case "proxy" -> new java.awt.Color(0xf28e2b);
      case "potluck" -> new java.awt.Color(0x59a14f);
      default -> java.awt.Color.DARK_GRAY;
    };
  }

  private static void save(CategoryChart chart, Path png) throws IOException {
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** One figure of one system for each workload; 0 where the system failed or has none. */
  private static List<Number> figure(Map<?, ?> workloads, List<String> ids, String system, Function<Map<?, ?>, Object> get) {
    List<Number> values = new ArrayList<>();
    for (String id : ids) {
      Map<?, ?> r = map(map(map(workloads.get(id)).get("systems")).get(system));
      values.add(r.get("error") != null ? 0.0 : num(get.apply(r)));
    }
    return values;
  }

  private static List<String> systems(Map<String, Object> report) {
    List<String> systems = new ArrayList<>();
    if (map(report.get("settings")).get("systems") instanceof List<?> l) {
      l.forEach(s -> systems.add(String.valueOf(s)));
    }
    return systems;
  }

  private static void row(StringBuilder html, Map<?, ?> results, List<String> systems, String figure,
      Function<Map<?, ?>, String> cell) {
    html.append("<tr><td>").append(esc(figure)).append("</td>");
    for (String s : systems) {
      Map<?, ?> r = map(results.get(s));
      html.append("<td>").append(r.isEmpty() || r.get("error") != null ? "-" : esc(cell.apply(r))).append("</td>");
    }
    html.append("</tr>\n");
  }

  private static Map<?, ?> map(Object value) {
    return value instanceof Map<?, ?> m ? m : Map.of();
  }

  private static double num(Object value) {
    return value instanceof Number n ? n.doubleValue() : 0.0;
  }

  private static String f2(Object value) {
    return value instanceof Number n ? String.format(Locale.ROOT, "%.2f", n.doubleValue()) : "-";
  }

  private static String mib(Object value) {
    return value instanceof Number n ? String.format(Locale.ROOT, "%.1f", n.doubleValue() / 1048576) : "-";
  }

  private static String esc(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
