package dev.potluck.bench.harness;

import java.util.Arrays;
import java.util.Collection;

/** Median, minimum and maximum of a set of measurements. */
public record Stats(int count, double median, double min, double max) {

  public static Stats of(Collection<? extends Number> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no measurements");
    }
    double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return new Stats(n, median, sorted[0], sorted[n - 1]);
  }

  public static Stats of(double... values) {
    return of(Arrays.stream(values).boxed().toList());
  }
}
