package dev.segeval.cli;

import dev.segeval.InvalidSettingException;
import dev.segeval.compare.Comparison;
import dev.segeval.compare.PairedBootstrap;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.spark.CompareJob;
import dev.segeval.spark.SparkSessions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Did a run get worse than its baseline, beyond noise? A paired bootstrap over images.",
        "Reads both runs' per-image statistics from images/ (no pixel is read again), resamples the images with "
            + "replacement (the same draw for both runs), recomputes every metric exactly as evaluate does, and "
            + "reports each change with its interval. A headline metric regressed when it dropped by more than "
            + "its tolerance and the whole interval is below zero; per-class flags hold the family-wise error at "
            + "--alpha (step-down max-T over the resamples by default). Prints a "
            + "Markdown table and writes compare.json.",
        "",
        "Exit codes: 0 no regression; 4 regression; 2 bad input (runs that cannot be compared).",
        "",
        "Example:",
        "  segeval compare --run results/#nightly-2026-12-01 \\",
        "    --baseline results/#nightly-2026-11-30"})
final class CompareCommand implements Callable<Integer> {
  static final int EXIT_REGRESSION = 4;

  @Option(names = "--run", required = true, paramLabel = "OUTPUT[#RUN_ID]",
      description = "The run to judge: its --output (any Hadoop URI) and run id; without #RUN_ID, the latest run "
          + "there.")
  String run;

  @Option(names = "--baseline", required = true, paramLabel = "OUTPUT[#RUN_ID]",
      description = "The run to compare against, given the same way.")
  String baseline;

  @Option(names = "--resamples", defaultValue = "10000", paramLabel = "N",
      description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
  int resamples;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
      description = "Seed of the resampling; the same seed gives the same intervals (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--alpha", defaultValue = "0.05", paramLabel = "A",
      description = "1 - confidence of the intervals, and the family-wise error rate of the per-class flags "
          + "(default: ${DEFAULT-VALUE}).")
  double alpha;

  @Option(names = "--tolerance", defaultValue = "0.1", paramLabel = "POINTS",
      description = "A change smaller than this many points is never a regression or improvement (default: "
          + "${DEFAULT-VALUE}).")
  double tolerance;

  @Option(names = "--tolerance-for", paramLabel = "METRIC=POINTS",
      description = "Tolerance of one metric, repeatable: mIoU, pixelAccuracy, meanAccuracy, fwIoU, iIoU, "
          + "categoryIoU, categoryIIoU, classIoU (every class), classIIoU (default: --tolerance).")
  Map<String, Double> tolerances;

  @Option(names = "--class-correction", defaultValue = "max-t", paramLabel = "max-t|holm",
      description = "Family-wise correction of the per-class tests: max-t (step-down max-T over the same "
          + "resamples; uses the dependence between classes) or holm (Holm on the per-class p-values; more "
          + "conservative) (default: ${DEFAULT-VALUE}).")
  String classCorrection;

  @Option(names = "--common-images",
      description = "Compare on the images both runs hold instead of refusing runs over different image sets "
          + "(prints how many each side lost).")
  boolean commonImages;

  @Option(names = "--labels", paramLabel = "URI",
      description = "Labels table CSV of 'folder' runs (built-in datasets need none).")
  String labels;

  @Option(names = "--json", paramLabel = "URI",
      description = "Where to write compare.json (default: <run output>/runs/<run id>/compare-<baseline id>.json).")
  String json;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    if (resamples < 100) {
      throw new InvalidSettingException("Cannot use --resamples " + resamples + ": use at least 100 (10000 for "
          + "stable 95 % intervals)");
    }
    if (!(alpha > 0 && alpha < 0.5)) {
      throw new InvalidSettingException("Cannot use --alpha " + alpha + ": must be in (0, 0.5)");
    }
    if (!(tolerance >= 0)) {
      throw new InvalidSettingException("Cannot use --tolerance " + tolerance + ": must be 0 or more points");
    }
    Comparison.ClassCorrection correction = Comparison.ClassCorrection.parse(classCorrection);
    if (correction == null) {
      throw new InvalidSettingException("Cannot use --class-correction " + classCorrection + ": expected max-t or "
          + "holm");
    }
    Map<String, Double> byMetric = new HashMap<>();
    List<String> known = new java.util.ArrayList<>(PairedBootstrap.HEADLINE);
    known.add("classIoU");
    known.add("classIIoU");
    if (tolerances != null) {
      for (Map.Entry<String, Double> e : tolerances.entrySet()) {
        if (!known.contains(e.getKey())) {
          throw new InvalidSettingException("Cannot use --tolerance-for " + e.getKey() + ": expected one of "
              + String.join(", ", known));
        }
        byMetric.put(e.getKey(), e.getValue() / 100);
      }
    }
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.getOrCreate("segeval compare", master, new HashMap<>());
    try {
      CompareJob.Outcome outcome = CompareJob.run(spark, new CompareJob.CompareSpec(run, baseline,
          labels == null ? null : HadoopPaths.qualify(labels), commonImages, resamples, seed, alpha,
          new Comparison.Tolerances(byMetric, tolerance / 100), correction, json), System.err);
      System.out.print(outcome.report().markdown());
      System.out.println("Written: " + HadoopPaths.redact(outcome.json()));
      return outcome.report().regressed() ? EXIT_REGRESSION : SegEval.EXIT_OK;
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }
}
