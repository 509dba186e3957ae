package dev.segeval.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComparisonTest {
  @Test
  void holmAdjustsInAscendingOrderAndStaysMonotone() {
    // Headline entry 0 is not part of the family; tests 1..4 are, one undefined.
    double[] p = {0.5, 0.01, 0.04, 0.03, Double.NaN};
    double[] adjusted = Comparison.holm(p, 1, 5);
    // Sorted: 0.01 (x3) = 0.03, 0.03 (x2) = 0.06, 0.04 (x1) = 0.04 -> raised to 0.06 by monotonicity.
    assertArrayEquals(new double[] {0.5, 0.03, 0.06, 0.06, Double.NaN}, adjusted, 1e-15);
  }

  @Test
  void percentileIntervalsInterpolateBetweenOrderStatistics() {
    double[] sorted = {1, 2, 3, 4, 5};
    assertEquals(1.0, Comparison.quantile(sorted, 0), 0);
    assertEquals(5.0, Comparison.quantile(sorted, 1), 0);
    assertEquals(1.1, Comparison.quantile(sorted, 0.025), 1e-12);
    assertEquals(3.0, Comparison.quantile(sorted, 0.5), 0);
  }

  @Test
  void aDropNeedsBothTheToleranceAndAnIntervalBelowZero() {
    List<String> names = List.of("mIoU", "pixelAccuracy", "IoU a", "IoU b", "iIoU a", "iIoU b");
    double[] base = {0.70, 0.90, 0.5, 0.6, Double.NaN, Double.NaN};
    double[] cur = {0.69, 0.8995, 0.4, 0.6, Double.NaN, Double.NaN};
    double[][] deltas = new double[1000][];
    for (int r = 0; r < deltas.length; r++) {
      double noise = (r % 10 - 4.5) * 1e-4; // +-0.045 points
      deltas[r] = new double[] {-0.01 + noise, -0.0005 + noise, -0.1 + noise, noise, Double.NaN, Double.NaN};
    }
    List<Comparison.MetricComparison> m = Comparison.decide(names, 2, base, cur, deltas,
        new Comparison.Tolerances(Map.of(), 0.001), 0.05);
    assertEquals(Comparison.Verdict.REGRESSION, m.get(0).verdict(), "1 point down, interval below zero");
    assertEquals(Comparison.Verdict.UNCHANGED, m.get(1).verdict(), "0.05 points: within the tolerance");
    assertEquals(Comparison.Verdict.REGRESSION, m.get(2).verdict(), "class a: 10 points down");
    assertEquals(Comparison.Verdict.UNCHANGED, m.get(3).verdict(), "class b: noise around zero");
    assertEquals(Comparison.Verdict.UNDEFINED, m.get(4).verdict());
    assertEquals(0, m.get(4).valid());
    // Class a's Holm-adjusted p: 2 tests (the undefined ones are not tests), raw p = 2/1001.
    assertEquals(Math.min(1, 2 * 2.0 / 1001), m.get(2).p(), 1e-15);
  }
}
