package dev.segeval.bench;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.ScoringTask;
import dev.segeval.scoring.SequentialEvaluator;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.SparkSessions;
import dev.segeval.synth.SyntheticDatasets;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * End-to-end evaluation throughput: the Spark job (local[*]) against the single-threaded reference path on the
 * same synthetic Cityscapes images, plus a decode-only pass that shows where the time goes.
 */
public final class EvaluateBenchmark {
  /**
   * @param images     synthetic Cityscapes images
   * @param width      image width in pixels
   * @param height     image height in pixels
   * @param partitions Spark partitions (0: automatic)
   * @param workDir    where the data is synthesised, and reused from on later runs; null: a new temp dir
   */
  public record Settings(int images, int width, int height, int partitions, Path workDir) {
  }

  private EvaluateBenchmark() {
  }

  /**
   * Runs the benchmark and returns its Markdown section. A Spark session that already exists (a test) is used and
   * left running; otherwise one is created for the run and stopped after it.
   */
  public static String run(Settings s) throws Exception {
    Configuration conf = new Configuration();
    String root = SyntheticDatasets.ensureCityscapes(s.workDir() != null ? s.workDir()
        : Files.createTempDirectory("segeval-bench"), new SyntheticDatasets.Options(s.images(), s.width(), s.height(),
        3, "val"), conf);
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, HadoopPaths.join(root, "cityscapes"), "val",
        new FolderPredictions(HadoopPaths.join(root, "cityscapes-predictions")), PredictionEncoding.LABEL_ID,
        AbsentClassPolicy.EXCLUDE, HadoopPaths.join(root, "results"), "bench", s.partitions(), true);
    List<ScoringTask> tasks = dev.segeval.scoring.RunPlanner.plan(spec, conf).tasks();
    ClassSpace space = new ClassSpace(dev.segeval.scoring.RunPlanner.labelTable(spec, conf),
        PredictionEncoding.LABEL_ID);

    // Warm-up, then the timed single-threaded pass.
    SequentialEvaluator.evaluate(space, spec.predictions(), tasks.subList(0, Math.min(4, tasks.size())), conf);
    long t = System.nanoTime();
    SequentialEvaluator.Result seq = SequentialEvaluator.evaluate(space, spec.predictions(), tasks, conf);
    double seqSeconds = (System.nanoTime() - t) / 1e9;

    t = System.nanoTime();
    for (ScoringTask task : tasks) {
      String[] paths = {task.sample().labelPath(), task.sample().instancePath(), task.predictionPath()};
      for (String p : paths) {
        PngDecoder.decodeIndex(HadoopPaths.readAll(p, conf), p);
      }
    }
    double decodeSeconds = (System.nanoTime() - t) / 1e9;

    // Plain Java threads over slices of the same tasks: what the hardware allows without Spark.
    int cores = Runtime.getRuntime().availableProcessors();
    t = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(cores);
    List<Future<SequentialEvaluator.Result>> parts = new ArrayList<>();
    for (int k = 0; k < cores; k++) {
      List<ScoringTask> slice = tasks.subList(k * tasks.size() / cores, (k + 1) * tasks.size() / cores);
      parts.add(pool.submit(() -> SequentialEvaluator.evaluate(space, spec.predictions(), slice, conf)));
    }
    for (Future<SequentialEvaluator.Result> f : parts) {
      f.get();
    }
    pool.shutdown();
    double threadSeconds = (System.nanoTime() - t) / 1e9;

    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.getOrCreate("segeval bench-evaluate", null, null);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    EvaluateJob.Outcome outcome;
    double sparkSeconds;
    try {
      EvaluateJob.run(spark, spec, quiet); // warm-up of the session and JIT
      t = System.nanoTime();
      outcome = EvaluateJob.run(spark, spec, quiet);
      sparkSeconds = (System.nanoTime() - t) / 1e9;
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
    if (!outcome.aggregate().stats().equals(seq.aggregate().stats())) {
      throw new IllegalStateException("Spark and single-threaded statistics differ");
    }
    double n = tasks.size();
    double scoringSeconds = outcome.run().scoringSeconds();
    return String.format(Locale.ROOT,
        "## Evaluate job end to end, %s%n%n"
            + "Command: `jobs/segeval.sh bench-evaluate --images %d --width %d --height %d`%n"
            + "Machine: %s. Synthetic Cityscapes layout: labelIds (8-bit), instanceIds (16-bit) "
            + "and prediction PNGs per image.%n%n"
            + "| path | seconds | images/s | ratio |%n|---|---:|---:|---:|%n"
            + "| single thread: read + decode 3 PNGs + score | %.2f | %.1f | 1.00 |%n"
            + "| single thread: read + decode only | %.2f | %.1f | %.2f |%n"
            + "| %d plain Java threads, no Spark | %.2f | %.1f | %.2f |%n"
            + "| Spark local[*] job, whole run (listing, scoring, Parquet, summary) | %.2f | %.1f | %.2f |%n"
            + "| Spark scoring stage only | %.2f | %.1f | %.2f |%n%n"
            + "Ratios are images/s relative to the single-threaded path; the ideal for Spark on %d cores is %d.00.%n",
        Instant.now(), s.images(), s.width(), s.height(), MarkdownResults.machine(),
        seqSeconds, n / seqSeconds, decodeSeconds, n / decodeSeconds, seqSeconds / decodeSeconds,
        cores, threadSeconds, n / threadSeconds, seqSeconds / threadSeconds,
        sparkSeconds, n / sparkSeconds, seqSeconds / sparkSeconds,
        scoringSeconds, n / scoringSeconds, seqSeconds / scoringSeconds, cores, cores);
  }
}
