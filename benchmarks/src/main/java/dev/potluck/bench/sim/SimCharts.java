package dev.potluck.bench.sim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The simulator's curves against N, one PNG per figure, one series per workload. */
final class SimCharts {

  /** One chart; {@code logY} for figures that grow by orders of magnitude with N. */
  private record Figure(String file, String title, String axis, boolean logY, ToDoubleFunction<SimResult> value) {}

  private static final List<Figure> FIGURES = List.of(
      new Figure("sim-upstream.png", "Upstream bytes / unique bytes", "ratio (target 1.00)", false, SimResult::upstreamRatio),
      new Figure("sim-makespan.png", "Makespan / ideal (unique bytes / WAN rate)", "ratio", false, SimResult::makespanRatio),
      new Figure("sim-upload-spread.png", "Upload per host: max / mean", "ratio (1 = even)", false, SimResult::uploadSpread),
      new Figure("sim-messages.png", "Control messages sent per object", "messages (multicast counted once)",
          true, SimResult::messagesPerObject),
      new Figure("sim-deliveries.png", "Control messages delivered per object", "deliveries", true,
          SimResult::deliveriesPerObject),
      new Figure("sim-cpu.png", "Scheduler CPU time per call (all calls)", "microseconds", true,
          SimResult::cpuMicrosPerCall),
      new Figure("sim-cpu-want.png", "Scheduler CPU time per Want decided by an arbiter", "microseconds",
          true, r -> r.cpuMicrosPerCall("onMessage Want")));

  private SimCharts() {}

  /** Writes every figure's chart into {@code dir}; returns the files written. */
  static List<Path> write(List<SimResult> results, Path dir) throws IOException {
    Map<String, List<SimResult>> byWorkload = new LinkedHashMap<>();
    for (SimResult r : results) {
      byWorkload.computeIfAbsent(r.settings().workload().label, w -> new ArrayList<>()).add(r);
    }
    List<Path> written = new ArrayList<>();
    for (Figure f : FIGURES) {
      XYChart chart = new XYChartBuilder().width(800).height(500).title(f.title())
          .xAxisTitle("nodes (N)").yAxisTitle(f.axis()).build();
      chart.getStyler().setXAxisLogarithmic(true);
      chart.getStyler().setYAxisLogarithmic(f.logY());
      chart.getStyler().setYAxisDecimalPattern("#,##0.##");
      chart.getStyler().setXAxisDecimalPattern("#,##0");
      chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
      boolean any = false;
      for (Map.Entry<String, List<SimResult>> e : byWorkload.entrySet()) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (SimResult r : e.getValue()) {
          double y = f.value().applyAsDouble(r);
          if (Double.isFinite(y) && (y > 0 || !f.logY())) {
            xs.add((double) r.settings().nodes());
            ys.add(y);
          }
        }
        if (!xs.isEmpty()) {
          chart.addSeries(e.getKey(), xs, ys).setMarker(SeriesMarkers.CIRCLE);
          any = true;
        }
      }
      if (any) {
        Path file = dir.resolve(f.file());
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        written.add(file);
      }
    }
    return written;
  }
}
