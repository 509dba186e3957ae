package dev.segeval.spark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.segeval.compare.Comparison;
import dev.segeval.compare.ComparisonReport;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.nightly.SuiteConfig;
import dev.segeval.runs.RunDirectory;
import dev.segeval.runs.RunFingerprint;
import dev.segeval.scoring.EvaluationException;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The bookkeeping of nightly suites under the suite's output: {@code history/} (one row per entry and night: what
 * ran, its metrics and speed, and the verdict against the promoted baseline) and {@code baselines/} (every
 * promotion, with who, when and why; the latest per entry is the baseline). Both are small Parquet tables,
 * rewritten whole on every change so that rerunning a night replaces its rows.
 */
public final class NightlyJob {
  private NightlyJob() {
  }

  public static final StructType HISTORY = new StructType(new StructField[] {
      field("date", DataTypes.StringType), field("suite", DataTypes.StringType), field("entry", DataTypes.StringType),
      field("run_id", DataTypes.StringType), field("predictions", DataTypes.StringType),
      field("model_sha256", DataTypes.StringType), field("protocol", DataTypes.StringType),
      field("tool_version", DataTypes.StringType), field("git_commit", DataTypes.StringType),
      field("evaluate_exit", DataTypes.IntegerType), field("images", DataTypes.LongType),
      field("failed", DataTypes.LongType), field("miou", DataTypes.DoubleType),
      field("pixel_accuracy", DataTypes.DoubleType), field("mean_accuracy", DataTypes.DoubleType),
      field("fw_iou", DataTypes.DoubleType), field("iiou", DataTypes.DoubleType),
      field("category_iou", DataTypes.DoubleType), field("category_iiou", DataTypes.DoubleType),
      field("scoring_seconds", DataTypes.DoubleType), field("total_seconds", DataTypes.DoubleType),
      field("images_per_second", DataTypes.DoubleType), field("baseline_run_id", DataTypes.StringType),
      field("verdict", DataTypes.StringType), field("regressions", DataTypes.StringType),
      field("speed_change", DataTypes.DoubleType), field("slower", DataTypes.BooleanType)});

  public static final StructType BASELINES = new StructType(new StructField[] {
      field("suite", DataTypes.StringType), field("entry", DataTypes.StringType), field("run_id", DataTypes.StringType),
      field("promoted_at", DataTypes.StringType), field("promoted_by", DataTypes.StringType),
      field("reason", DataTypes.StringType)});

  private static StructField field(String name, org.apache.spark.sql.types.DataType type) {
    return DataTypes.createStructField(name, type, true);
  }

  /**
   * What became of one entry tonight.
   *
   * @param line one line for the log: the verdict and its reason
   */
  public record EntryOutcome(String entry, String runId, boolean regression, boolean slower, boolean failed,
                             String line, Row history) {
  }

  /** The promoted baseline run id of an entry, if any. */
  public static Optional<String> baseline(SparkSession spark, SuiteConfig suite, String entry) throws IOException {
    for (Row r : rowsOf(spark, suite, "baselines", BASELINES).stream()
        .sorted(Comparator.comparing((Row r) -> r.<String>getAs("promoted_at")).reversed()).toList()) {
      if (suite.suite().equals(r.getAs("suite")) && entry.equals(r.getAs("entry"))) {
        return Optional.of(r.getAs("run_id"));
      }
    }
    return Optional.empty();
  }

  /** Records a promotion: from now on the entry is compared with this run. */
  public static void promote(SparkSession spark, SuiteConfig suite, String entry, String runId, String reason)
      throws IOException {
    if (suite.entries().stream().noneMatch(e -> e.name().equals(entry))) {
      throw new EvaluationException("Cannot promote: suite " + suite.suite() + " has no entry '" + entry
          + "' (entries: " + String.join(", ", suite.entries().stream().map(SuiteConfig.Entry::name).toList()) + ")");
    }
    // Only a finished run can be a baseline.
    StoredRuns.read(suite.entryOutput(entry) + "#" + runId, spark.sparkContext().hadoopConfiguration());
    List<Row> rows = new ArrayList<>(rowsOf(spark, suite, "baselines", BASELINES));
    rows.add(RowFactory.create(suite.suite(), entry, runId, Instant.now().toString(),
        System.getProperty("user.name", "unknown"), reason));
    write(spark, suite, "baselines", BASELINES, rows);
  }

  /** Judges tonight's run of one entry against its baseline and builds its history row. */
  public static EntryOutcome judge(SparkSession spark, SuiteConfig suite, SuiteConfig.Entry entry, LocalDate date,
                                   int evaluateExit, String gitCommit, boolean failOnSlowdown, PrintStream log)
      throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String runId = suite.runId(date);
    String output = suite.entryOutput(entry.name());
    String name = suite.suite() + "/" + entry.name();
    StoredRuns.StoredRun run;
    try {
      run = StoredRuns.read(output + "#" + runId, conf);
    } catch (EvaluationException e) {
      Row row = historyRow(suite, entry.name(), date, runId, null, null, gitCommit, evaluateExit, null,
          "failed", null, Double.NaN, false);
      return new EntryOutcome(entry.name(), runId, false, false, true, String.format(Locale.ROOT,
          "%s: the evaluation failed (exit %d); no results to judge", name, evaluateExit), row);
    }
    RunFingerprint fingerprint = new RunDirectory(run.output(), runId).readFingerprint(conf);
    Optional<String> baseline = baseline(spark, suite, entry.name());
    String verdict;
    String regressions = null;
    String line;
    boolean regression = false;
    double speedChange = Double.NaN;
    boolean slower = false;
    if (baseline.isEmpty()) {
      verdict = "no-baseline";
      line = String.format(Locale.ROOT, "%s: no baseline yet; promote this run with: jobs/segeval.sh promote "
          + "--suite %s --entry %s --run-id %s --reason \"...\"", name, suite.source(), entry.name(), runId);
    } else {
      CompareJob.Outcome c = CompareJob.run(spark, new CompareJob.CompareSpec(output + "#" + runId,
          output + "#" + baseline.get(), null, false, suite.resamples(), 1, 0.05,
          new Comparison.Tolerances(Map.of(), suite.tolerancePoints() / 100), Comparison.ClassCorrection.MAX_T,
          null), log);
      ComparisonReport report = c.report();
      regression = report.regressed();
      List<String> worse = report.metrics().stream()
          .filter(m -> m.verdict() == Comparison.Verdict.REGRESSION).map(m -> String.format(Locale.ROOT,
              "%s %+.2f points [%+.2f, %+.2f]", m.name(), 100 * m.delta(), 100 * m.low(), 100 * m.high()))
          .toList();
      verdict = regression ? "regression" : "no-regression";
      regressions = regression ? String.join("; ", worse) : null;
      JsonNode base = StoredRuns.read(output + "#" + baseline.get(), conf).summary();
      double now = run.summary().at("/timings/imagesPerSecond").asDouble(Double.NaN);
      double then = base.at("/timings/imagesPerSecond").asDouble(Double.NaN);
      if (now > 0 && then > 0) {
        speedChange = now / then - 1;
        slower = speedChange < -suite.speedTolerance();
      }
      line = regression ? String.format(Locale.ROOT, "%s: REGRESSION against %s: %s", name, baseline.get(),
          String.join("; ", worse)) : String.format(Locale.ROOT, "%s: no regression against %s", name,
          baseline.get());
      if (slower) {
        line += String.format(Locale.ROOT, "; %s: %.0f %% fewer images/s than the baseline (%.1f against %.1f)",
            failOnSlowdown ? "SLOWER" : "warning", -100 * speedChange, now, then);
      }
    }
    Row row = historyRow(suite, entry.name(), date, runId, run, fingerprint, gitCommit, evaluateExit,
        baseline.orElse(null), verdict, regressions, speedChange, slower);
    return new EntryOutcome(entry.name(), runId, regression, slower, evaluateExit != 0, line, row);
  }

  private static Row historyRow(SuiteConfig suite, String entry, LocalDate date, String runId,
                                StoredRuns.StoredRun run, RunFingerprint fp, String git, int exit, String baseline,
                                String verdict, String regressions, double speedChange, boolean slower) {
    JsonNode s = run == null ? null : run.summary();
    return RowFactory.create(date.toString(), suite.suite(), entry, runId,
        s == null ? null : s.path("predictions").asText(null),
        fp == null ? null : fp.fields().get("model.sha256"), fp == null ? null : fp.fields().get("protocol"),
        s == null ? null : s.path("tool").asText(null), git, exit,
        s == null ? null : s.at("/images/total").asLong(), s == null ? null : s.at("/images/failed").asLong(),
        metric(s, "mIoU"), metric(s, "pixelAccuracy"), metric(s, "meanAccuracy"), metric(s, "fwIoU"),
        metric(s, "iIoU"), metric(s, "categoryIoU"), metric(s, "categoryIIoU"),
        s == null ? null : s.at("/timings/scoringSeconds").asDouble(),
        s == null ? null : s.at("/timings/totalSeconds").asDouble(),
        s == null ? null : s.at("/timings/imagesPerSecond").asDouble(Double.NaN), baseline, verdict, regressions,
        speedChange, slower);
  }

  private static Double metric(JsonNode s, String name) {
    if (s == null) {
      return null;
    }
    JsonNode v = s.at("/metrics/" + name);
    return v.isNull() || v.isMissingNode() ? Double.NaN : v.asDouble();
  }

  /** Replaces tonight's rows of these entries in history/ and adds the new ones. */
  public static void appendHistory(SparkSession spark, SuiteConfig suite, List<Row> tonight) throws IOException {
    List<Row> rows = new ArrayList<>();
    java.util.Set<String> tonightKeys = new java.util.HashSet<>();
    tonight.forEach(t -> tonightKeys.add(historyKey(t)));
    for (Row r : rowsOf(spark, suite, "history", HISTORY)) {
      if (!tonightKeys.contains(historyKey(r))) {
        rows.add(r);
      }
    }
    rows.addAll(tonight);
    write(spark, suite, "history", HISTORY, rows);
  }

  /** Writes {@code <output>/nightly.html}: per entry, the trend over the recorded nights and the baseline. */
  public static String writePage(SparkSession spark, SuiteConfig suite) throws IOException {
    List<dev.segeval.report.HtmlReports.Night> nights = new ArrayList<>();
    for (Row r : rowsOf(spark, suite, "history", HISTORY)) {
      if (!suite.suite().equals(r.getString(HISTORY.fieldIndex("suite")))) {
        continue;
      }
      nights.add(new dev.segeval.report.HtmlReports.Night(r.getString(HISTORY.fieldIndex("date")),
          r.getString(HISTORY.fieldIndex("entry")), r.getString(HISTORY.fieldIndex("run_id")), orNaN(r, "miou"),
          orNaN(r, "pixel_accuracy"), orNaN(r, "iiou"), r.getString(HISTORY.fieldIndex("verdict"))));
    }
    Map<String, String> baselines = new java.util.HashMap<>();
    for (SuiteConfig.Entry e : suite.entries()) {
      baseline(spark, suite, e.name()).ifPresent(id -> baselines.put(e.name(), id));
    }
    String path = HadoopPaths.join(HadoopPaths.qualify(suite.output()), "nightly.html");
    HadoopPaths.writeAtomically(path, dev.segeval.report.HtmlReports.nightly(suite.suite(), nights, baselines),
        spark.sparkContext().hadoopConfiguration());
    return path;
  }

  private static double orNaN(Row r, String column) {
    int i = HISTORY.fieldIndex(column);
    return r.isNullAt(i) ? Double.NaN : r.getDouble(i);
  }

  /** suite, entry and run id, by position in {@link #HISTORY} (rows built here carry no schema). */
  private static String historyKey(Row r) {
    return r.getString(HISTORY.fieldIndex("suite")) + "\u0000" + r.getString(HISTORY.fieldIndex("entry")) + "\u0000"
        + r.getString(HISTORY.fieldIndex("run_id"));
  }

  /** Every row of a suite table (empty when it does not exist yet), read to the driver. */
  public static List<Row> rowsOf(SparkSession spark, SuiteConfig suite, String table, StructType schema)
      throws IOException {
    String path = HadoopPaths.join(HadoopPaths.qualify(suite.output()), table);
    if (!HadoopPaths.isDirectory(path, spark.sparkContext().hadoopConfiguration())) {
      return List.of();
    }
    List<Row> out = new ArrayList<>();
    String[] columns = schema.fieldNames();
    for (Row r : spark.read().parquet(path).selectExpr(columns).collectAsList()) {
      out.add(r);
    }
    return out;
  }

  private static void write(SparkSession spark, SuiteConfig suite, String table, StructType schema, List<Row> rows)
      throws IOException {
    String path = HadoopPaths.join(HadoopPaths.qualify(suite.output()), table);
    ResultTableFiles.replaceWith(path, schema, rows, spark.sparkContext().hadoopConfiguration());
  }
}
