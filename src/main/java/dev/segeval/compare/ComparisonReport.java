package dev.segeval.compare;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code compare} found, as a Markdown table for the terminal and CI logs and as {@code compare.json}
 * (schemaVersion 1; metrics as fractions, undefined values as null).
 *
 * @param run           {@code <output>#<run id>} of the current run
 * @param baseline      the same for the baseline
 * @param images        images compared (scored in both runs)
 * @param excluded      what was left out and why, one line each (failed images, images of one run only)
 * @param resamples     bootstrap resamples
 * @param seed          bootstrap seed
 * @param alpha         1 - confidence level; also the family-wise error rate of the per-class flags
 * @param correction    how the per-class tests are corrected for their number
 * @param metrics       every metric compared, headline first
 */
public record ComparisonReport(String run, String baseline, int images, List<String> excluded, int resamples,
                               long seed, double alpha, Comparison.ClassCorrection correction,
                               List<Comparison.MetricComparison> metrics) {

  public boolean regressed() {
    return metrics.stream().anyMatch(m -> m.verdict() == Comparison.Verdict.REGRESSION);
  }

  public String markdown() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "## %s against baseline %s%n%n", run, baseline));
    b.append(String.format(Locale.ROOT, "%d images, paired bootstrap of %d resamples (seed %d), %.0f %% intervals "
        + "of the change, in points.%n%n", images, resamples, seed, 100 * (1 - alpha)));
    table(b, metrics.stream().filter(Comparison.MetricComparison::headline).toList());
    List<Comparison.MetricComparison> classes = metrics.stream().filter(m -> !m.headline()).toList();
    List<Comparison.MetricComparison> flagged = classes.stream()
        .filter(m -> m.verdict() == Comparison.Verdict.REGRESSION || m.verdict() == Comparison.Verdict.IMPROVEMENT)
        .toList();
    b.append(String.format(Locale.ROOT, "%nPer class (%d tests, %s-adjusted p, family-wise error %.0f %%): %s%n",
        classes.stream().filter(m -> !Double.isNaN(m.p())).count(), correction.cliName(), 100 * alpha,
        flagged.isEmpty() ? "no class changed beyond noise." : flagged.size() + " changed."));
    if (!flagged.isEmpty()) {
      b.append('\n');
      table(b, flagged);
    }
    for (String e : excluded) {
      b.append("\n").append(e);
    }
    List<String> regressions = metrics.stream().filter(m -> m.verdict() == Comparison.Verdict.REGRESSION)
        .map(Comparison.MetricComparison::name).toList();
    b.append(String.format(Locale.ROOT, "%n%nVerdict: %s%n", regressions.isEmpty() ? "no regression"
        : "REGRESSION in " + String.join(", ", regressions)));
    return b.toString();
  }

  private static void table(StringBuilder b, List<Comparison.MetricComparison> rows) {
    b.append("| metric | baseline | current | change | interval | p | verdict |\n");
    b.append("|---|---:|---:|---:|---|---:|---|\n");
    for (Comparison.MetricComparison m : rows) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | [%s, %s] | %s | %s |%n", m.name(),
          points(m.baseline()), points(m.current()), signed(m.delta()), signed(m.low()), signed(m.high()),
          Double.isNaN(m.p()) ? "n/a" : String.format(Locale.ROOT, "%.4f", m.p()), m.verdict().label()));
    }
  }

  private static String points(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", 100 * v);
  }

  private static String signed(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.2f", 100 * v);
  }

  public byte[] json(Map<String, Double> tolerances) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("schemaVersion", 1);
    root.put("run", run);
    root.put("baseline", baseline);
    root.put("images", images);
    root.put("resamples", resamples);
    root.put("seed", seed);
    root.put("alpha", alpha);
    root.put("classCorrection", correction.cliName());
    ObjectNode tol = root.putObject("tolerances");
    tolerances.forEach(tol::put);
    ArrayNode ex = root.putArray("excluded");
    excluded.forEach(ex::add);
    root.put("verdict", regressed() ? "regression" : "no-regression");
    ArrayNode all = root.putArray("metrics");
    for (Comparison.MetricComparison m : metrics) {
      ObjectNode n = all.addObject();
      n.put("name", m.name());
      n.put("headline", m.headline());
      num(n, "baseline", m.baseline());
      num(n, "current", m.current());
      num(n, "delta", m.delta());
      num(n, "low", m.low());
      num(n, "high", m.high());
      num(n, "p", m.p());
      n.put("validResamples", m.valid());
      n.put("tolerance", m.tolerance());
      n.put("verdict", m.verdict().label());
    }
    try {
      return (mapper.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot render compare.json", e);
    }
  }

  private static void num(ObjectNode n, String key, double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      n.putNull(key);
    } else {
      n.put(key, v);
    }
  }
}
