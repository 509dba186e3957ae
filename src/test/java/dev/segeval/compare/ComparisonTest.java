package dev.segeval.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        new Comparison.Tolerances(Map.of(), 0.001), 0.05, Comparison.ClassCorrection.HOLM);
    assertEquals(Comparison.Verdict.REGRESSION, m.get(0).verdict(), "1 point down, interval below zero");
    assertEquals(Comparison.Verdict.UNCHANGED, m.get(1).verdict(), "0.05 points: within the tolerance");
    assertEquals(Comparison.Verdict.REGRESSION, m.get(2).verdict(), "class a: 10 points down");
    assertEquals(Comparison.Verdict.UNCHANGED, m.get(3).verdict(), "class b: noise around zero");
    assertEquals(Comparison.Verdict.UNDEFINED, m.get(4).verdict());
    assertEquals(0, m.get(4).valid());
    // Class a's Holm-adjusted p: 2 tests (the undefined ones are not tests), raw p = 2/1001.
    assertEquals(Math.min(1, 2 * 2.0 / 1001), m.get(2).p(), 1e-15);

    // The same under max-T: class a's centred resamples never reach its statistic (10 points over a standard error
    // of 0.03 points), so its p-value is the smallest attainable, 1/1001; the verdicts are the same.
    List<Comparison.MetricComparison> t = Comparison.decide(names, 2, base, cur, deltas,
        new Comparison.Tolerances(Map.of(), 0.001), 0.05, Comparison.ClassCorrection.MAX_T);
    assertEquals(Comparison.Verdict.REGRESSION, t.get(2).verdict());
    assertEquals(Comparison.Verdict.UNCHANGED, t.get(3).verdict());
    assertEquals(Comparison.Verdict.UNDEFINED, t.get(4).verdict());
    assertEquals(1.0 / 1001, t.get(2).p(), 1e-15);
    assertEquals(1.0, t.get(3).p(), 1e-15, "no change observed: every resample reaches a statistic of 0");
    assertEquals(m.get(0).p(), t.get(0).p(), 0, "headline p-values do not depend on the class correction");
  }

  @Test
  void maxTStepsDownOverTheTestsNotYetRejected() {
    // Four resamples of two metrics. Metric 0: observed -0.1, resamples -0.1 +- 0.01 (standard error 0.01155,
    // statistic 8.66). Metric 1: observed 0, resamples +-0.02, 0, 0 (statistic 0). Metric 2: undefined everywhere.
    double[] observed = {-0.1, 0.0, Double.NaN};
    double[][] deltas = {
        {-0.09, 0.02, Double.NaN},
        {-0.11, -0.02, Double.NaN},
        {-0.09, 0.0, Double.NaN},
        {-0.11, 0.0, Double.NaN}};
    double[] adjusted = Comparison.maxT(deltas, observed, 0, 3);
    // Step 1, both tests: the largest centred statistic is 1.22 (metric 1) or 0.87, never 8.66: p = 1/5.
    // Step 2, metric 1 alone: every resample reaches 0: p = 5/5.
    assertArrayEquals(new double[] {0.2, 1.0, Double.NaN}, adjusted, 1e-15);
  }

  @Test
  void maxTUsesTheDependenceThatHolmIgnores() {
    // Ten perfectly dependent metrics, each with the same moderate change: Holm divides alpha by ten, max-T sees
    // one test repeated and needs no more than one test would.
    int metrics = 10;
    int resamples = 999;
    double[] observed = new double[metrics];
    java.util.Arrays.fill(observed, -0.02);
    double[][] deltas = new double[resamples][metrics];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    double[] p = new double[metrics];
    int below = 0;
    for (double[] r : deltas) {
      double v = -0.02 + 0.0085 * rnd.nextGaussian(); // about 2.35 standard errors from zero
      java.util.Arrays.fill(r, v);
      below += v >= 0 ? 1 : 0;
    }
    java.util.Arrays.fill(p, Math.min(1, 2.0 * (below + 1) / (resamples + 1)));
    double[] holm = Comparison.holm(p, 0, metrics);
    double[] maxT = Comparison.maxT(deltas, observed, 0, metrics);
    assertTrue(holm[0] > 0.05, "Holm: " + holm[0]);
    assertTrue(maxT[0] < 0.05, "max-T: " + maxT[0]);
  }
}
