package dev.segeval.compare;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The decision of {@code compare}: per metric, the point estimates of both runs, the delta, a percentile interval of
 * the delta from the paired bootstrap and a verdict.
 *
 * <p>A headline metric regressed when its drop exceeds its tolerance <em>and</em> the interval lies wholly below
 * zero (an improvement symmetrically). Per-class metrics (IoU and iIoU of every class) are many tests at once, and
 * a class is flagged only when the family-wise test rejects "no change" for it and its change exceeds the
 * tolerance. Two family-wise procedures are offered ({@link ClassCorrection}): the default step-down max-T over the
 * same resamples (Romano and Wolf 2005, the bootstrap form of Westfall and Young 1993), which uses the dependence
 * between classes (one image moves many classes at once) and is not limited by the resolution of tail counts; and
 * Holm's step-down adjustment of the per-class percentile p-values, valid whatever the dependence but conservative
 * with 38 tests.
 */
public final class Comparison {
  /** Verdict of one metric. */
  public enum Verdict {
    REGRESSION, IMPROVEMENT, UNCHANGED, UNDEFINED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** How the per-class tests are corrected for their number. */
  public enum ClassCorrection {
    /** Step-down max-T over the bootstrap resamples (studentized, centred at the observed change). */
    MAX_T("max-t"),
    /** Holm's step-down adjustment of the per-class percentile p-values. */
    HOLM("holm");

    private final String cliName;

    ClassCorrection(String cliName) {
      this.cliName = cliName;
    }

    public String cliName() {
      return cliName;
    }

    /** Parses "max-t" or "holm"; null when neither. */
    public static ClassCorrection parse(String text) {
      for (ClassCorrection c : values()) {
        if (c.cliName.equalsIgnoreCase(text)) {
          return c;
        }
      }
      return null;
    }
  }

  /**
   * One metric compared.
   *
   * @param valid resamples in which the metric was defined on both sides
   * @param p     two-sided bootstrap p-value of "no change" (per-class: adjusted for the family)
   */
  public record MetricComparison(String name, boolean headline, double baseline, double current, double delta,
                                 double low, double high, double p, int valid, double tolerance, Verdict verdict) {
  }

  /**
   * Tolerances, as fractions (0.001 = 0.1 points).
   *
   * @param byMetric   overrides by headline name ("mIoU", ...) or "classIoU" / "classIIoU" for all classes
   * @param fallback   for every metric not named
   */
  public record Tolerances(Map<String, Double> byMetric, double fallback) {
    double of(String metric) {
      return byMetric.getOrDefault(metric, fallback);
    }
  }

  private Comparison() {
  }

  /**
   * @param names    metric names ({@link PairedBootstrap#metricNames()})
   * @param headline how many of the first names are headline metrics
   * @param base     baseline point estimates (identity draw)
   * @param cur      current point estimates
   * @param deltas   per resample, current minus baseline
   */
  public static List<MetricComparison> decide(List<String> names, int headline, double[] base, double[] cur,
                                              double[][] deltas, Tolerances tolerances, double alpha,
                                              ClassCorrection correction) {
    int metrics = names.size();
    int classes = (metrics - headline) / 2;
    List<MetricComparison> out = new ArrayList<>(metrics);
    double[] p = new double[metrics];
    double[] low = new double[metrics];
    double[] high = new double[metrics];
    int[] valid = new int[metrics];
    for (int k = 0; k < metrics; k++) {
      double[] d = new double[deltas.length];
      int n = 0;
      int atMostZero = 0;
      int atLeastZero = 0;
      for (double[] r : deltas) {
        double v = r[k];
        if (!Double.isNaN(v)) {
          d[n++] = v;
          atMostZero += v <= 0 ? 1 : 0;
          atLeastZero += v >= 0 ? 1 : 0;
        }
      }
      valid[k] = n;
      if (n == 0) {
        low[k] = Double.NaN;
        high[k] = Double.NaN;
        p[k] = Double.NaN;
        continue;
      }
      double[] sorted = Arrays.copyOf(d, n);
      Arrays.sort(sorted);
      low[k] = quantile(sorted, alpha / 2);
      high[k] = quantile(sorted, 1 - alpha / 2);
      p[k] = Math.min(1.0, 2.0 * Math.min(atMostZero + 1.0, atLeastZero + 1.0) / (n + 1.0));
    }
    double[] observed = new double[metrics];
    for (int k = 0; k < metrics; k++) {
      observed[k] = cur[k] - base[k];
    }
    double[] adjusted = correction == ClassCorrection.HOLM ? holm(p, headline, metrics)
        : maxT(deltas, observed, headline, metrics);
    for (int k = 0; k < metrics; k++) {
      boolean isHeadline = k < headline;
      String key = isHeadline ? names.get(k) : (k < headline + classes ? "classIoU" : "classIIoU");
      double tol = tolerances.of(key);
      double delta = cur[k] - base[k];
      Verdict verdict;
      if (Double.isNaN(delta) || valid[k] == 0) {
        verdict = Verdict.UNDEFINED;
      } else if (isHeadline) {
        verdict = delta < -tol && high[k] < 0 ? Verdict.REGRESSION
            : delta > tol && low[k] > 0 ? Verdict.IMPROVEMENT : Verdict.UNCHANGED;
      } else {
        boolean rejected = adjusted[k] <= alpha;
        verdict = rejected && delta < -tol ? Verdict.REGRESSION
            : rejected && delta > tol ? Verdict.IMPROVEMENT : Verdict.UNCHANGED;
      }
      out.add(new MetricComparison(names.get(k), isHeadline, base[k], cur[k], delta, low[k], high[k],
          isHeadline ? p[k] : adjusted[k], valid[k], tol, verdict));
    }
    return out;
  }

  /** Linear interpolation between order statistics (R's type 7). */
  static double quantile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  /**
   * Holm's step-down adjustment of the p-values {@code [from, to)}; others are copied. Undefined p-values are not
   * tests. Adjusted p_(i) = max over j <= i of min(1, (m - j) p_(j)), in ascending order of p.
   */
  static double[] holm(double[] p, int from, int to) {
    double[] adjusted = p.clone();
    List<Integer> tests = new ArrayList<>();
    for (int k = from; k < to; k++) {
      if (!Double.isNaN(p[k])) {
        tests.add(k);
      }
    }
    tests.sort(Comparator.comparingDouble(k -> p[k]));
    int m = tests.size();
    double running = 0;
    for (int j = 0; j < m; j++) {
      int k = tests.get(j);
      running = Math.max(running, Math.min(1.0, (m - j) * p[k]));
      adjusted[k] = running;
    }
    return adjusted;
  }

  /**
   * Step-down max-T adjusted p-values of the metrics {@code [from, to)} (Romano and Wolf 2005, algorithm 4.1;
   * Westfall and Young 1993): each metric's statistic is its observed |change| over its bootstrap standard error;
   * the null distribution is that of the resamples centred at the observed change. Tests are taken in decreasing
   * order of their statistic; the j-th one's p-value is the share of resamples whose largest centred statistic among
   * the tests not yet rejected (the j-th and those after it) reaches it, made monotone. A metric undefined in every
   * resample is not a test (NaN); a resample in which a metric is undefined leaves that metric out of its maximum.
   */
  static double[] maxT(double[][] deltas, double[] observed, int from, int to) {
    double[] adjusted = new double[observed.length];
    Arrays.fill(adjusted, Double.NaN);
    int resamples = deltas.length;
    double[] stat = new double[to];
    double[] se = new double[to];
    List<Integer> tests = new ArrayList<>();
    for (int k = from; k < to; k++) {
      double sum = 0;
      int n = 0;
      for (double[] r : deltas) {
        if (!Double.isNaN(r[k])) {
          sum += r[k];
          n++;
        }
      }
      if (n == 0 || Double.isNaN(observed[k])) {
        continue;
      }
      double mean = sum / n;
      double squares = 0;
      for (double[] r : deltas) {
        if (!Double.isNaN(r[k])) {
          squares += (r[k] - mean) * (r[k] - mean);
        }
      }
      se[k] = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
      // No spread at all: no change is no evidence; any change is as strong as evidence gets.
      stat[k] = se[k] > 0 ? Math.abs(observed[k]) / se[k] : observed[k] == 0 ? 0 : Double.POSITIVE_INFINITY;
      tests.add(k);
    }
    tests.sort(Comparator.comparingDouble((Integer k) -> stat[k]).reversed());
    int m = tests.size();
    int[] reached = new int[m];
    for (double[] r : deltas) {
      // Walk from the weakest test up: 'largest' is the maximum over the tests from j to the end.
      double largest = Double.NEGATIVE_INFINITY;
      for (int j = m - 1; j >= 0; j--) {
        int k = tests.get(j);
        if (!Double.isNaN(r[k])) {
          double centred = Math.abs(r[k] - observed[k]);
          largest = Math.max(largest, se[k] > 0 ? centred / se[k] : 0);
        }
        if (largest >= stat[k]) {
          reached[j]++;
        }
      }
    }
    double running = 0;
    for (int j = 0; j < m; j++) {
      running = Math.max(running, (reached[j] + 1.0) / (resamples + 1.0));
      adjusted[tests.get(j)] = running;
    }
    return adjusted;
  }
}
