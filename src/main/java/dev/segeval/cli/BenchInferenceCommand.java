package dev.segeval.cli;

import ai.djl.Device;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.imaging.ImageDecoders;
import dev.segeval.imaging.RgbImage;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.LoadedModel;
import dev.segeval.inference.ModelCache;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.inference.SlidingWindowPredictor;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.ScoringTask;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.SparkSessions;
import dev.segeval.synth.SyntheticDatasets;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Inference efficiency: the end-to-end Spark job's images/s against the bare predictor's images/s on the same
 * images, pre-decoded, in the same run. Optionally repeats the bare predictor to show that native memory stays
 * flat over thousands of images.
 */
@Command(name = "bench-inference", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Benchmarks the evaluate job with --model against the bare predictor on the same images."})
final class BenchInferenceCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "URI") String model;
  @Option(names = "--images", defaultValue = "24") int images;
  @Option(names = "--width", defaultValue = "512") int width;
  @Option(names = "--height", defaultValue = "256") int height;
  @Option(names = "--crop-size", defaultValue = "257", description = "N or HxW.") String crop;
  @Option(names = "--base-size", defaultValue = "512") int baseSize;
  @Option(names = "--flip", defaultValue = "none") String flip;
  @Option(names = "--batch-size", defaultValue = "4") int batchSize;
  @Option(names = "--threads", defaultValue = "2", description = "Task threads (local[N]) and bare-predictor threads.")
  int threads;
  @Option(names = "--intra-op-threads", defaultValue = "1") int intraOpThreads;
  @Option(names = "--leak-rounds", defaultValue = "0",
      description = "Extra bare-predictor passes over the images, printing the process RSS after each.")
  int leakRounds;
  @Option(names = "--work-dir", paramLabel = "DIR") Path workDir;
  @Option(names = "--spark-warmup", defaultValue = "true", negatable = true,
      description = "Run the Spark job once before timing it (default: ${DEFAULT-VALUE}).")
  boolean sparkWarmup;
  @Option(names = "--label", defaultValue = "model", description = "Name of the model in the report.") String label;
  @Option(names = "--output", paramLabel = "FILE") Path output;

  @Override
  public Integer call() throws Exception {
    Configuration conf = new Configuration();
    String root = SyntheticDatasets.ensureCityscapes(workDir != null ? workDir
        : Files.createTempDirectory("segeval-bench-inference"), new SyntheticDatasets.Options(images, width, height, 7,
        "val"), conf);
    int[] cropSize = ProtocolSettings.parseCrop(crop);
    ProtocolSettings protocol = new ProtocolSettings(new double[] {1.0}, FlipMode.parse(flip), cropSize[0],
        cropSize[1], baseSize, 2.0 / 3, batchSize);
    InferenceOptions options = new InferenceOptions(HadoopPaths.qualify(model), protocol, "cpu", intraOpThreads,
        100_000_000L, null, false);
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, HadoopPaths.join(root, "cityscapes"), "val",
        new ModelPredictions(options), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
        HadoopPaths.join(root, "results"), "bench", threads * 3, true);
    List<ScoringTask> tasks = dev.segeval.scoring.RunPlanner.plan(spec, conf).tasks();
    List<RgbImage> decoded = new ArrayList<>();
    for (ScoringTask t : tasks) {
      decoded.add(ImageDecoders.decodeRgb(HadoopPaths.readAll(t.sample().imagePath(), conf), t.sample().imagePath()));
    }
    LoadedModel loaded = ModelCache.get(options.modelUri(), Device.cpu(), conf, intraOpThreads);
    SlidingWindowPredictor predictor = new SlidingWindowPredictor(protocol);
    predictor.predict(loaded, decoded.get(0), height, width); // warm-up

    double bare1 = bare(loaded, predictor, decoded, 1);
    double bareN = threads > 1 ? bare(loaded, predictor, decoded, threads) : bare1;

    SparkSession spark = SparkSessions.getOrCreate("segeval bench-inference", "local[" + threads + "]", null);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    if (sparkWarmup) {
      // The first job of a session pays Spark's class loading and code generation (several seconds here).
      EvaluateJob.run(spark, spec, quiet);
    }
    long t = System.nanoTime();
    EvaluateJob.Outcome outcome = EvaluateJob.run(spark, spec, quiet);
    double sparkSeconds = (System.nanoTime() - t) / 1e9;
    spark.stop();
    if (outcome.run().failedCount() > 0) {
      throw new IllegalStateException("images failed: " + outcome.run().failures());
    }
    double n = decoded.size();
    double bestBare = Math.min(bare1, bareN);
    StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
        "## Inference efficiency: %s, %s%n%n"
            + "Command: `jobs/segeval.sh bench-inference --model %s --label '%s' --images %d --width %d --height %d "
            + "--crop-size %s --base-size %d --flip %s --batch-size %d --threads %d --intra-op-threads %d`%n"
            + "Machine: %s, %d cores, Java %s; %s%n%n"
            + "| path | seconds | images/s | vs best bare |%n|---|---:|---:|---:|%n"
            + "| bare predictor, 1 thread, pre-decoded images | %.2f | %.3f | %.2f |%n"
            + "| bare predictor, %d threads sharing the model | %.2f | %.3f | %.2f |%n"
            + "| Spark job local[%d] end to end (read, decode, infer, score, write) | %.2f | %.3f | %.2f |%n"
            + "| Spark scoring stage only | %.2f | %.3f | %.2f |%n%n"
            + "mIoU of this run: %.4f (synthetic Cityscapes, %d images %dx%d)%n",
        label, Instant.now(), model, label, images, width, height, crop, baseSize, flip, batchSize, threads,
        intraOpThreads, System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), dev.segeval.inference.DjlRuntime.describe(),
        bare1, n / bare1, bestBare / bare1, threads, bareN, n / bareN, bestBare / bareN, threads, sparkSeconds,
        n / sparkSeconds, bestBare / sparkSeconds, outcome.run().scoringSeconds(),
        n / outcome.run().scoringSeconds(), bestBare / outcome.run().scoringSeconds(), outcome.report().meanIou(),
        images, width, height));
    if (leakRounds > 0) {
      report.append(String.format(Locale.ROOT, "%nNative memory over repeated bare-predictor passes (%d images each):%n%n"
          + "| images predicted | RSS MB |%n|---:|---:|%n", decoded.size()));
      long done = 0;
      for (int r = 0; r < leakRounds; r++) {
        for (RgbImage img : decoded) {
          predictor.predict(loaded, img, height, width);
          done++;
        }
        report.append(String.format(Locale.ROOT, "| %d | %d |%n", done, rssMegabytes()));
      }
    }
    System.out.println(report);
    if (output != null) {
      Files.writeString(output, report + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    }
    return SegEval.EXIT_OK;
  }

  private static double bare(LoadedModel model, SlidingWindowPredictor predictor, List<RgbImage> images, int threads)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long t = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int k = 0; k < threads; k++) {
      List<RgbImage> slice = images.subList(k * images.size() / threads, (k + 1) * images.size() / threads);
      futures.add(pool.submit(() -> {
        for (RgbImage img : slice) {
          predictor.predict(model, img, img.height(), img.width());
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    return (System.nanoTime() - t) / 1e9;
  }

  static long rssMegabytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (java.io.IOException e) {
      return -1;
    }
    return -1;
  }
}
