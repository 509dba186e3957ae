package dev.segeval.cli;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.ScoringTask;
import dev.segeval.scoring.SequentialEvaluator;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.SparkSessions;
import dev.segeval.synth.SyntheticDatasets;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * End-to-end evaluation throughput: the Spark job (local[*]) against the single-threaded reference path on the
 * same synthetic Cityscapes images, plus a decode-only pass that shows where the time goes.
 */
@Command(name = "bench-evaluate", mixinStandardHelpOptions = true,
    description = {"Benchmarks the evaluate job (images/s) against the single-threaded path on the same data."})
final class BenchEvaluateCommand implements Callable<Integer> {
  @Option(names = "--images", defaultValue = "48") int images;
  @Option(names = "--width", defaultValue = "2048") int width;
  @Option(names = "--height", defaultValue = "1024") int height;
  @Option(names = "--partitions", defaultValue = "0", description = "Spark partitions (default: automatic).")
  int partitions;
  @Option(names = "--work-dir", paramLabel = "DIR", description = "Where to synthesise data (default: a temp dir).")
  Path workDir;
  @Option(names = "--output", paramLabel = "FILE", description = "Also append the result as a Markdown section.")
  Path output;

  @Override
  public Integer call() throws Exception {
    Configuration conf = new Configuration();
    String root = SyntheticDatasets.ensureCityscapes(workDir != null ? workDir
        : Files.createTempDirectory("segeval-bench"), new SyntheticDatasets.Options(images, width, height, 3, "val"),
        conf);
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, HadoopPaths.join(root, "cityscapes"), "val",
        new FolderPredictions(HadoopPaths.join(root, "cityscapes-predictions")), PredictionEncoding.LABEL_ID,
        AbsentClassPolicy.EXCLUDE, HadoopPaths.join(root, "results"), "bench", partitions, true);
    List<ScoringTask> tasks = dev.segeval.scoring.RunPlanner.plan(spec, conf).tasks();
    var space = new dev.segeval.labels.ClassSpace(dev.segeval.scoring.RunPlanner.labelTable(spec, conf), PredictionEncoding.LABEL_ID);

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
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(cores);
    List<java.util.concurrent.Future<SequentialEvaluator.Result>> parts = new java.util.ArrayList<>();
    for (int k = 0; k < cores; k++) {
      List<ScoringTask> slice = tasks.subList(k * tasks.size() / cores, (k + 1) * tasks.size() / cores);
      parts.add(pool.submit(() -> SequentialEvaluator.evaluate(space, spec.predictions(), slice, conf)));
    }
    for (var f : parts) {
      f.get();
    }
    pool.shutdown();
    double threadSeconds = (System.nanoTime() - t) / 1e9;

    SparkSession spark = SparkSessions.getOrCreate("segeval bench-evaluate", null, null);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    EvaluateJob.run(spark, spec, quiet); // warm-up of the session and JIT
    t = System.nanoTime();
    EvaluateJob.Outcome outcome = EvaluateJob.run(spark, spec, quiet);
    double sparkSeconds = (System.nanoTime() - t) / 1e9;
    spark.stop();
    if (!outcome.aggregate().stats().equals(seq.aggregate().stats())) {
      throw new IllegalStateException("Spark and single-threaded statistics differ");
    }
    double n = tasks.size();
    String report = String.format(Locale.ROOT,
        "## Evaluate job end to end, %s%n%n"
            + "Command: `jobs/segeval.sh bench-evaluate --images %d --width %d --height %d`%n"
            + "Machine: %s, %d cores, Java %s. Synthetic Cityscapes layout: labelIds (8-bit), instanceIds (16-bit) "
            + "and prediction PNGs per image.%n%n"
            + "| path | seconds | images/s | ratio |%n|---|---:|---:|---:|%n"
            + "| single thread: read + decode 3 PNGs + score | %.2f | %.1f | 1.00 |%n"
            + "| single thread: read + decode only | %.2f | %.1f | %.2f |%n"
            + "| %d plain Java threads, no Spark | %.2f | %.1f | %.2f |%n"
            + "| Spark local[*] job, whole run (listing, scoring, Parquet, summary) | %.2f | %.1f | %.2f |%n"
            + "| Spark scoring stage only | %.2f | %.1f | %.2f |%n%n"
            + "Ratios are images/s relative to the single-threaded path; the ideal for Spark on %d cores is %d.00.%n",
        Instant.now(), images, width, height, System.getProperty("os.arch"), cores,
        System.getProperty("java.version"), seqSeconds, n / seqSeconds, decodeSeconds, n / decodeSeconds,
        seqSeconds / decodeSeconds, cores, threadSeconds, n / threadSeconds, seqSeconds / threadSeconds, sparkSeconds, n / sparkSeconds, seqSeconds / sparkSeconds,
        outcome.run().scoringSeconds(), n / outcome.run().scoringSeconds(),
        seqSeconds / outcome.run().scoringSeconds(), cores, cores);
    System.out.println(report);
    if (output != null) {
      Files.writeString(output, report + "\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
    return SegEval.EXIT_OK;
  }
}
