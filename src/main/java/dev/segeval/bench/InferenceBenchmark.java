package dev.segeval.bench;

import ai.djl.Device;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.imaging.ImageDecoders;
import dev.segeval.imaging.RgbImage;
import dev.segeval.inference.DjlRuntime;
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
import java.io.IOException;
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
 * Inference efficiency: the end-to-end Spark job's images/s against the bare predictor's images/s on the same
 * images, pre-decoded, in the same run. Optionally repeats the bare predictor to show that native memory stays
 * flat over thousands of images.
 */
public final class InferenceBenchmark {
  /**
   * @param model          TorchScript file, any Hadoop URI
   * @param label          name of the model in the report
   * @param images         synthetic Cityscapes images
   * @param width          image width in pixels
   * @param height         image height in pixels
   * @param cropHeight     sliding-window height
   * @param cropWidth      sliding-window width
   * @param baseSize       longer image side at scale 1.0
   * @param flip           horizontal-flip augmentation
   * @param batchSize      windows per forward pass
   * @param threads        Spark task threads (local[N]) and bare-predictor threads
   * @param intraOpThreads PyTorch threads per JVM
   * @param leakRounds     extra bare-predictor passes that record the process RSS
   * @param workDir        where the data is synthesised, and reused from on later runs; null: a new temp dir
   * @param warmupJobs     untimed Spark jobs before the rounds (class loading, code generation, the JIT)
   * @param rounds         timed rounds, each the bare predictor with every thread and then the Spark job, one right
   *                       after the other; the report gives the medians, and the ratios as medians of each round's
   */
  public record Settings(String model, String label, int images, int width, int height, int cropHeight,
                         int cropWidth, int baseSize, FlipMode flip, int batchSize, int threads, int intraOpThreads,
                         int leakRounds, Path workDir, int warmupJobs, int rounds) {

    public Settings {
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds must be at least 1: " + rounds);
      }
      if (warmupJobs < 0) {
        throw new IllegalArgumentException("warmupJobs must not be negative: " + warmupJobs);
      }
    }

    /** The crop as the command line takes it: "N" when square, else "HxW". */
    String crop() {
      return cropHeight == cropWidth ? String.valueOf(cropHeight) : cropHeight + "x" + cropWidth;
    }
  }

  private InferenceBenchmark() {
  }

  /**
   * Runs the benchmark and returns its Markdown section. A Spark session that already exists (a test) is used and
   * left running, with its own master; otherwise a local[threads] one is created for the run and stopped after it.
   */
  public static String run(Settings s) throws Exception {
    // Protocol and options first: they validate their settings before any data is synthesised.
    ProtocolSettings protocol = new ProtocolSettings(new double[] {1.0}, s.flip(), s.cropHeight(), s.cropWidth(),
        s.baseSize(), 2.0 / 3, s.batchSize());
    InferenceOptions options = new InferenceOptions(HadoopPaths.qualify(s.model()), protocol, "cpu",
        s.intraOpThreads(), 100_000_000L, null, false);
    Configuration conf = new Configuration();
    String root = SyntheticDatasets.ensureCityscapes(s.workDir() != null ? s.workDir()
        : Files.createTempDirectory("segeval-bench-inference"), new SyntheticDatasets.Options(s.images(), s.width(),
        s.height(), 7, "val"), conf);
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, HadoopPaths.join(root, "cityscapes"), "val",
        new ModelPredictions(options), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
        HadoopPaths.join(root, "results"), "bench", s.threads() * 3, true);
    List<ScoringTask> tasks = dev.segeval.scoring.RunPlanner.plan(spec, conf).tasks();
    List<RgbImage> decoded = new ArrayList<>();
    for (ScoringTask t : tasks) {
      decoded.add(ImageDecoders.decodeRgb(HadoopPaths.readAll(t.sample().imagePath(), conf), t.sample().imagePath()));
    }
    LoadedModel loaded = ModelCache.get(options.modelUri(), Device.cpu(), conf, s.intraOpThreads());
    SlidingWindowPredictor predictor = new SlidingWindowPredictor(protocol);
    predictor.predict(loaded, decoded.get(0), s.height(), s.width()); // warm-up

    long cpuBefore = processCpuNanos();
    double bare1 = bare(loaded, predictor, decoded, 1);
    double bare1Cpu = (processCpuNanos() - cpuBefore) / 1e9;

    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.getOrCreate("segeval bench-inference", "local[" + s.threads() + "]", null);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    EvaluateJob.Outcome outcome = null;
    // Per round: the bare pass with every thread, the Spark job end to end, its scoring stage. Each round's pair
    // runs back to back, so a slow spell of a shared machine weighs on both sides of its ratio.
    double[] bareRounds = new double[s.rounds()];
    double[] sparkRounds = new double[s.rounds()];
    double[] stageRounds = new double[s.rounds()];
    // The process's CPU time over each side: tells work (more CPU seconds) from waiting (fewer cores busy).
    double[] bareCpu = new double[s.rounds()];
    double[] jobCpu = new double[s.rounds()];
    try {
      for (int w = 0; w < s.warmupJobs(); w++) {
        // The first job of a session pays Spark's class loading and code generation (several seconds here); the
        // next ones let the JIT compile the job's per-image and per-chunk code, as a long run's first minutes do.
        EvaluateJob.run(spark, spec, quiet);
      }
      for (int r = 0; r < s.rounds(); r++) {
        bareRounds[r] = bare1;
        bareCpu[r] = bare1Cpu;
        if (s.threads() > 1) {
          long cpu = processCpuNanos();
          bareRounds[r] = bare(loaded, predictor, decoded, s.threads());
          bareCpu[r] = (processCpuNanos() - cpu) / 1e9;
        }
        long cpu = processCpuNanos();
        long t = System.nanoTime();
        outcome = EvaluateJob.run(spark, spec, quiet);
        sparkRounds[r] = (System.nanoTime() - t) / 1e9;
        jobCpu[r] = (processCpuNanos() - cpu) / 1e9;
        stageRounds[r] = outcome.run().scoringSeconds();
        if (outcome.run().failedCount() > 0) {
          throw new IllegalStateException("images failed: " + outcome.run().failures());
        }
      }
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
    double n = decoded.size();
    double bareN = median(bareRounds);
    double sparkSeconds = median(sparkRounds);
    double scoringSeconds = median(stageRounds);
    // The job's ratio per round, against the better of the round's bare pass and the one-thread pass.
    double[] jobRatios = new double[s.rounds()];
    double[] stageRatios = new double[s.rounds()];
    StringBuilder perRound = new StringBuilder();
    for (int r = 0; r < s.rounds(); r++) {
      double best = Math.min(bare1, bareRounds[r]);
      jobRatios[r] = best / sparkRounds[r];
      stageRatios[r] = best / stageRounds[r];
      perRound.append(String.format(Locale.ROOT, "%s%d: bare %.2f s (CPU %.2f s), job %.2f s (CPU %.2f s; stage "
          + "%.2f s), %.2f", r == 0 ? "" : "; ", r + 1, bareRounds[r], bareCpu[r], sparkRounds[r], jobCpu[r],
          stageRounds[r], jobRatios[r]));
    }
    double bestBare = Math.min(bare1, bareN);
    StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
        "## Inference efficiency: %s, %s%n%n"
            + "Command: `jobs/segeval.sh bench-inference --model %s --label '%s' --images %d --width %d --height %d "
            + "--crop-size %s --base-size %d --flip %s --batch-size %d --threads %d --intra-op-threads %d "
            + "--warmup-jobs %d --rounds %d`%n"
            + "Machine: %s; %s%n%n"
            + "| path | seconds | images/s | vs best bare |%n|---|---:|---:|---:|%n"
            + "| bare predictor, 1 thread, pre-decoded images | %.2f | %.3f | %.2f |%n"
            + "| bare predictor, %d threads sharing the model | %.2f | %.3f | %.2f |%n"
            + "| Spark job local[%d] end to end (read, decode, infer, score, write) | %.2f | %.3f | %.2f |%n"
            + "| Spark scoring stage only | %.2f | %.3f | %.2f |%n%n"
            + "mIoU of this run: %.4f (synthetic Cityscapes, %d images %dx%d)%n",
        s.label(), Instant.now(), s.model(), s.label(), s.images(), s.width(), s.height(), s.crop(), s.baseSize(),
        s.flip().cliName(), s.batchSize(), s.threads(), s.intraOpThreads(), s.warmupJobs(), s.rounds(),
        MarkdownResults.machine(), DjlRuntime.describe(),
        bare1, n / bare1, bestBare / bare1, s.threads(), bareN, n / bareN, bestBare / bareN,
        s.threads(), sparkSeconds, n / sparkSeconds, median(jobRatios),
        scoringSeconds, n / scoringSeconds, median(stageRatios),
        outcome.report().meanIou(), s.images(), s.width(), s.height()));
    report.append(String.format(Locale.ROOT, "%nRounds (bare pass with %d threads, then the Spark job; seconds are "
        + "medians over the rounds, the job's ratios medians of each round's ratio to the better bare pass; CPU is "
        + "the whole process's CPU time over the pass, driver and JIT included): %s%n", s.threads(), perRound));
    report.append(String.format(Locale.ROOT, "%nMedian CPU time: bare pass %.2f s, job %.2f s (%.2f x the bare "
        + "pass's); cores busy: bare %.2f, job %.2f of %d.%n", median(bareCpu), median(jobCpu),
        median(jobCpu) / median(bareCpu), median(bareCpu) / bareN, median(jobCpu) / sparkSeconds,
        Runtime.getRuntime().availableProcessors()));
    if (s.leakRounds() > 0) {
      report.append(String.format(Locale.ROOT, "%nNative memory over repeated bare-predictor passes (%d images each):%n%n"
          + "| images predicted | RSS MB |%n|---:|---:|%n", decoded.size()));
      long done = 0;
      for (int r = 0; r < s.leakRounds(); r++) {
        for (RgbImage img : decoded) {
          predictor.predict(loaded, img, s.height(), s.width());
          done++;
        }
        report.append(String.format(Locale.ROOT, "| %d | %d |%n", done, rssMegabytes()));
      }
    }
    return report.toString();
  }

  /** Seconds for the predictor to go through all images with the given number of threads sharing one model. */
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

  /** CPU time of this process (every thread) so far. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }

  /** Resident set size of this process (heap and native memory), or -1 where /proc is not available. */
  static long rssMegabytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }
}
