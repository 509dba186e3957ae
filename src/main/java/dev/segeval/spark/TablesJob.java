package dev.segeval.spark;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.MetricReport;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.tables.PaperTable;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code tables} command: every row of a published table that has a model and local ground truth is evaluated
 * with the row's protocol (or its finished run is reused: same run id, same fingerprint, nothing inferred again),
 * and the table is written with reported and measured numbers side by side. A row that does not run says why;
 * it never shows a zero.
 */
public final class TablesJob {
  private TablesJob() {
  }

  /** What became of a row. */
  public enum State {
    MEASURED("measured"), NOT_RUN("not run"), TEST_SERVER("test server"), FAILED("failed");

    private final String label;

    State(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** One row, reported and (when measured) measured; {@code reason} says why a row has no measurement. */
  public record Result(PaperTable.Row row, State state, String reason, String runId, double miou,
                       double pixelAccuracy, double meanAccuracy, double iiou, double seconds, long resumedImages) {
  }

  public static final StructType SCHEMA = new StructType(new StructField[] {
      f("table", DataTypes.StringType), f("row", DataTypes.StringType), f("dataset", DataTypes.StringType),
      f("split", DataTypes.StringType), f("method", DataTypes.StringType), f("backbone", DataTypes.StringType),
      f("protocol", DataTypes.StringType), f("state", DataTypes.StringType), f("reason", DataTypes.StringType),
      f("run_id", DataTypes.StringType), f("reported_miou", DataTypes.DoubleType),
      f("measured_miou", DataTypes.DoubleType), f("reported_pixel_accuracy", DataTypes.DoubleType),
      f("measured_pixel_accuracy", DataTypes.DoubleType), f("reported_mean_accuracy", DataTypes.DoubleType),
      f("measured_mean_accuracy", DataTypes.DoubleType), f("reported_iiou", DataTypes.DoubleType),
      f("measured_iiou", DataTypes.DoubleType), f("seconds", DataTypes.DoubleType)});

  private static StructField f(String name, org.apache.spark.sql.types.DataType t) {
    return DataTypes.createStructField(name, t, true);
  }

  /**
   * @param models    model key to TorchScript URI
   * @param dataRoots dataset name to its root (ground truth and images)
   * @param output    where runs and the table outputs go
   */
  public static List<Result> run(SparkSession spark, PaperTable table, Map<String, String> models,
                                 Map<String, String> dataRoots, String output, PrintStream log) throws IOException {
    return run(spark, table, null, models, dataRoots, output, log);
  }

  /**
   * @param rows the keys of the rows to run, or null for all; the others are shown as not selected
   */
  public static List<Result> run(SparkSession spark, PaperTable table, java.util.Set<String> rows,
                                 Map<String, String> models, Map<String, String> dataRoots, String output,
                                 PrintStream log) throws IOException {
    List<Result> results = new ArrayList<>();
    for (PaperTable.Row row : table.rows()) {
      String runId = table.name() + "-" + row.key();
      if (rows != null && !rows.contains(row.key())) {
        results.add(notSelected(row));
        continue;
      }
      if (row.testServer()) {
        String model = row.model() == null ? null : models.get(row.model());
        String root = dataRoots.get(row.dataset());
        if (row.protocol() == null || model == null || root == null) {
          results.add(unmeasured(row, State.TEST_SERVER, "ground truth is private: only the benchmark's server "
              + "scores " + row.dataset() + " " + row.split()));
          continue;
        }
        // A model and the test images: the package to upload instead of a score.
        long t0 = System.nanoTime();
        try {
          SubmissionJob.Package pkg = SubmissionJob.build(spark, row.dataset(), root, row.split(),
              new ModelPredictions(options(row, model)), HadoopPaths.join(HadoopPaths.qualify(output),
                  "submissions", runId), log);
          results.add(new Result(row, State.TEST_SERVER, "submitted package: " + HadoopPaths.redact(pkg.root()) + ", "
              + pkg.images() + " images", null, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
              (System.nanoTime() - t0) / 1e9, 0));
        } catch (EvaluationException | IOException e) {
          results.add(new Result(row, State.FAILED, e.getMessage().lines().findFirst().orElse(""), null, Double.NaN,
              Double.NaN, Double.NaN, Double.NaN, (System.nanoTime() - t0) / 1e9, 0));
        }
        continue;
      }
      Optional<Result> notRun = notRunnable(row, models, dataRoots);
      if (notRun.isPresent()) {
        results.add(notRun.get());
        continue;
      }
      String root = dataRoots.get(row.dataset());
      EvaluationSpec spec = new EvaluationSpec(row.dataset(), null, HadoopPaths.qualify(root), row.split(),
          new ModelPredictions(options(row, models.get(row.model()))), PredictionEncoding.TRAIN_ID,
          row.absentClasses(),
          HadoopPaths.join(HadoopPaths.qualify(output), "evaluations"), runId, 0, true);
      long t0 = System.nanoTime();
      try {
        EvaluateJob.Outcome o;
        try {
          // A finished run of this row with the same fingerprint is reused: nothing is inferred again.
          o = EvaluateJob.run(spark, spec, RunOptions.DEFAULTS.withResume(true), log);
        } catch (dev.segeval.runs.FingerprintMismatchException e) {
          log.println("[segeval] table " + table.name() + " row " + row.key() + ": inputs changed since the last "
              + "run, scoring it afresh");
          o = EvaluateJob.run(spark, spec, RunOptions.DEFAULTS, log);
        }
        MetricReport r = o.report();
        double seconds = (System.nanoTime() - t0) / 1e9;
        log.printf(Locale.ROOT, "[segeval] table %s row %s: measured in %.1f s (%d of %d images reused)%n",
            table.name(), row.key(), seconds, o.run().resumedCount(), o.run().imageCount());
        results.add(new Result(row, State.MEASURED, o.run().failedCount() == 0 ? null
            : o.run().failedCount() + " images failed (see images/)", runId, r.meanIou(), r.pixelAccuracy(),
            r.meanAccuracy(), r.meanInstanceIou(), seconds, o.run().resumedCount()));
      } catch (EvaluationException | IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
            .orElse("");
        log.println("[segeval] table " + table.name() + " row " + row.key() + " failed: " + why);
        results.add(new Result(row, State.FAILED, why, runId, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            (System.nanoTime() - t0) / 1e9, 0));
      }
    }
    return results;
  }

  /**
   * The cost of a row before running it.
   *
   * @param crops            forward passes of crop-sized inputs over the whole split (scales x windows x flip)
   * @param secondsPerImage  measured on one image of the split with the row's protocol, on an executor
   * @param estimatedSeconds images x seconds per image / concurrent tasks
   */
  public record Plan(PaperTable.Row row, State state, String reason, long images, int width, int height,
                     long crops, double secondsPerImage, double estimatedSeconds) {
  }

  /** Plans every runnable row: images, forward passes and a time estimate from a one-image calibration. */
  public static List<Plan> plan(SparkSession spark, PaperTable table, Map<String, String> models,
                                Map<String, String> dataRoots, PrintStream log) throws IOException {
    return plan(spark, table, null, models, dataRoots, log);
  }

  /** Plans the selected rows ({@code rows}; null: all). */
  public static List<Plan> plan(SparkSession spark, PaperTable table, java.util.Set<String> rows,
                                Map<String, String> models, Map<String, String> dataRoots, PrintStream log)
      throws IOException {
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    int slots = Math.max(1, spark.sparkContext().defaultParallelism());
    List<Plan> plans = new ArrayList<>();
    for (PaperTable.Row row : table.rows()) {
      Optional<Result> notRun = rows != null && !rows.contains(row.key()) ? Optional.of(notSelected(row))
          : row.testServer()
          ? Optional.of(unmeasured(row, State.TEST_SERVER, "scored by the benchmark's server"))
          : notRunnable(row, models, dataRoots);
      if (notRun.isPresent()) {
        plans.add(new Plan(row, notRun.get().state(), notRun.get().reason(), 0, 0, 0, 0, Double.NaN, Double.NaN));
        continue;
      }
      String root = dataRoots.get(row.dataset());
      InferenceOptions options = options(row, models.get(row.model()));
      EvaluationSpec spec = new EvaluationSpec(row.dataset(), null, HadoopPaths.qualify(root), row.split(),
          new ModelPredictions(options), PredictionEncoding.TRAIN_ID, row.absentClasses(), "unused", "plan", 0,
          true);
      List<dev.segeval.scoring.ScoringTask> tasks = dev.segeval.scoring.RunPlanner.plan(spec, conf).tasks();
      dev.segeval.scoring.ScoringTask first = tasks.get(0);
      int[] size = dev.segeval.imaging.PngDecoder.readSize(HadoopPaths.readAll(first.sample().labelPath(), conf),
          first.sample().labelPath());
      long perImage = dev.segeval.inference.SlidingWindowPredictor.forwardCrops(row.protocol(), size[1], size[0]);
      dev.segeval.labels.ClassSpace space = new dev.segeval.labels.ClassSpace(
          dev.segeval.labels.LabelTable.builtIn(row.dataset()), PredictionEncoding.TRAIN_ID);
      ModelPredictions bound = new ModelPredictions(options).withSpace(space);
      SerializableConfiguration calibrationConf = new SerializableConfiguration(conf);
      // One image, on an executor: a warm-up pass, then the timed pass with the row's whole protocol.
      double seconds = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
          .parallelize(List.of(Shipped.wrap(first)), 1)
          .map(t -> calibrate(bound, Shipped.unwrap(t), size, calibrationConf, slots)).collect().get(0);
      double estimate = tasks.size() * seconds / Math.min(slots, tasks.size());
      log.printf(Locale.ROOT, "[segeval] plan %s %s: %d images of %dx%d, %d crops each, %.2f s per image%n",
          table.name(), row.key(), tasks.size(), size[0], size[1], perImage, seconds);
      plans.add(new Plan(row, State.MEASURED, null, tasks.size(), size[0], size[1], perImage * tasks.size(),
          seconds, estimate));
    }
    return plans;
  }

  /** A row left out by --rows: shown, with its published numbers, but neither run nor packaged. */
  private static Result notSelected(PaperTable.Row row) {
    return unmeasured(row, row.testServer() ? State.TEST_SERVER : State.NOT_RUN, "not selected (--rows)");
  }

  /** Why a row on a split with ground truth cannot be run here, if it cannot. */
  private static Optional<Result> notRunnable(PaperTable.Row row, Map<String, String> models,
                                              Map<String, String> dataRoots) {
    if (row.protocol() == null || row.model() == null) {
      return Optional.of(unmeasured(row, State.NOT_RUN, "no model of this method in the table (another paper's "
          + "result)"));
    }
    if (!models.containsKey(row.model())) {
      return Optional.of(unmeasured(row, State.NOT_RUN, "no model given for key '" + row.model() + "' (--models)"));
    }
    if (!dataRoots.containsKey(row.dataset())) {
      return Optional.of(unmeasured(row, State.NOT_RUN, "no ground truth given for " + row.dataset()
          + " (--data-root-for " + row.dataset() + "=...)"));
    }
    return Optional.empty();
  }

  /** A row's model with the row's protocol, as every table run uses it. */
  private static InferenceOptions options(PaperTable.Row row, String model) {
    return new InferenceOptions(HadoopPaths.qualify(model), row.protocol(), "auto", 0, 100_000_000L, null, false);
  }

  /** Times one image as a task of the real run would predict it: with the threads that one of its slots gets. */
  static double calibrate(ModelPredictions model, dev.segeval.scoring.ScoringTask task, int[] size,
                          SerializableConfiguration conf, int slots) throws Exception {
    dev.segeval.scoring.PredictionSource.TaskResources resources = new dev.segeval.scoring.PredictionSource
        .TaskResources(slots, null);
    try (dev.segeval.scoring.PredictionSource.Reader reader = model.open(conf.get(), resources)) {
      reader.predict(task, size[0], size[1]);
      long t0 = System.nanoTime();
      reader.predict(task, size[0], size[1]);
      return (System.nanoTime() - t0) / 1e9;
    }
  }

  /** The plan as Markdown. */
  public static String planMarkdown(PaperTable table, List<Plan> plans) {
    StringBuilder b = new StringBuilder("## Plan: " + table.title() + "\n\n");
    b.append("| row | data | protocol | images | size | forward crops | s per image | estimate |\n");
    b.append("|---|---|---|---:|---|---:|---:|---:|\n");
    for (Plan p : plans) {
      PaperTable.Row r = p.row();
      if (p.state() != State.MEASURED) {
        b.append(String.format(Locale.ROOT, "| %s | %s %s | | | | | | %s: %s |%n", r.key(), r.dataset(), r.split(),
            p.state().label(), p.reason()));
        continue;
      }
      b.append(String.format(Locale.ROOT, "| %s | %s %s | %s | %d | %dx%d | %d | %.2f | %s |%n", r.key(), r.dataset(),
          r.split(), r.protocol(), p.images(), p.width(), p.height(), p.crops(), p.secondsPerImage(),
          duration(p.estimatedSeconds())));
    }
    return b.toString();
  }

  static String duration(double seconds) {
    if (seconds < 120) {
      return String.format(Locale.ROOT, "%.0f s", seconds);
    }
    if (seconds < 7200) {
      return String.format(Locale.ROOT, "%.0f min", seconds / 60);
    }
    return seconds < 172_800 ? String.format(Locale.ROOT, "%.1f h", seconds / 3600)
        : String.format(Locale.ROOT, "%.1f days", seconds / 86_400);
  }

  private static Result unmeasured(PaperTable.Row row, State state, String reason) {
    return new Result(row, state, reason, null, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0);
  }

  /** The table as Parquet under {@code <output>/table/}, replacing the table's earlier rows. */
  public static void writeParquet(SparkSession spark, PaperTable table, List<Result> results, String output) {
    List<Row> rows = new ArrayList<>();
    for (Result r : results) {
      PaperTable.Row p = r.row();
      rows.add(RowFactory.create(table.name(), p.key(), p.dataset(), p.split(), p.method(), p.backbone(),
          p.protocol() == null ? null : p.protocol().toString(), r.state().label(), r.reason(), r.runId(),
          p.reported().miou(), r.miou(), p.reported().pixelAccuracy(), r.pixelAccuracy(),
          p.reported().meanAccuracy(), r.meanAccuracy(), p.reported().iiou(), r.iiou(), r.seconds()));
    }
    spark.createDataFrame(rows, SCHEMA).coalesce(1).write().mode(SaveMode.Overwrite)
        .parquet(HadoopPaths.join(HadoopPaths.qualify(output), "table", "table=" + table.name()));
  }

  /** The table in Markdown: reported, measured and the difference, in points; n/a where there is no number. */
  public static String markdown(PaperTable table, List<Result> results) {
    StringBuilder b = new StringBuilder();
    b.append("## ").append(table.title()).append("\n\n");
    if (!table.source().isEmpty()) {
      b.append("Source: ").append(table.source()).append("\n\n");
    }
    b.append("| row | method | data | mIoU reported | mIoU measured | diff | pixel acc. reported | pixel acc. measured "
        + "| diff | state | run |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (Result r : results) {
      PaperTable.Row p = r.row();
      String state = r.state().label() + (r.reason() == null ? "" : ": " + r.reason());
      b.append(String.format(Locale.ROOT, "| %s | %s | %s %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", p.key(),
          p.method(), p.dataset(), p.split(), pts(p.reported().miou()), pts(r.miou()),
          diff(r.miou(), p.reported().miou()), pts(p.reported().pixelAccuracy()), pts(r.pixelAccuracy()),
          diff(r.pixelAccuracy(), p.reported().pixelAccuracy()), state, r.runId() == null ? "" : r.runId()));
    }
    return b.toString();
  }

  /** The table as a self-contained HTML page. */
  public static byte[] html(PaperTable table, List<Result> results) {
    List<List<String>> rows = new ArrayList<>();
    for (Result r : results) {
      PaperTable.Row p = r.row();
      rows.add(List.of(p.key(), p.method(), p.backbone(), p.dataset() + " " + p.split(),
          p.protocol() == null ? "" : p.protocol().toString(), pts(p.reported().miou()), pts(r.miou()),
          diff(r.miou(), p.reported().miou()), pts(p.reported().pixelAccuracy()), pts(r.pixelAccuracy()),
          pts(p.reported().iiou()), pts(r.iiou()), r.state().label() + (r.reason() == null ? "" : ": " + r.reason()),
          r.runId() == null ? "" : r.runId()));
    }
    return dev.segeval.report.HtmlReports.table(table.title(), List.of(table.source()), List.of("row", "method",
        "backbone", "data", "protocol", "mIoU reported", "mIoU measured", "diff", "pixel acc. reported",
        "pixel acc. measured", "iIoU reported", "iIoU measured", "state", "run"), rows);
  }

  static String pts(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", 100 * v);
  }

  static String diff(double measured, double reported) {
    return Double.isNaN(measured) || Double.isNaN(reported) ? "n/a"
        : Math.abs(measured - reported) < 0.00005 ? "0.00"
        : String.format(Locale.ROOT, "%+.2f", 100 * (measured - reported));
  }
}
