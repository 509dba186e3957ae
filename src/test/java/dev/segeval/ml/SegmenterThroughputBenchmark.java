package dev.segeval.ml;

import dev.segeval.bench.MarkdownResults;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.spark.SparkTestSession;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The segmenter's throughput against {@code evaluate --model}'s scoring stage on the same images, model and
 * protocol, in one local[2] session, alternating (noisy machine: ratios of the same run). Not a timed test:
 * {@code mvn -B test -Dgroups=benchmark -Dtest=SegmenterThroughputBenchmark
 * [-Dsegeval.segmenter.images=96] [-Dsegeval.results=benchmark-results/segmenter-throughput.md]}.
 */
@Tag("benchmark")
class SegmenterThroughputBenchmark {
  @Test
  void segmenterAgainstEvaluateModel() throws Exception {
    int images = Integer.getInteger("segeval.segmenter.images", 96);
    Path work = Path.of("target/bench/segmenter" + images);
    if (!Files.isDirectory(work.resolve("cityscapes"))) {
      SyntheticDatasets.cityscapes(work.toAbsolutePath().toUri().toString(),
          new SyntheticDatasets.Options(images, 512, 256, 7, "val"), new Configuration());
    }
    String model = Path.of("notebooks/models/pspnet-tiny-synth-cityscapes.pt").toAbsolutePath().toUri().toString();
    // The demo's protocol (conf/models/pspnet-tiny-synth-cityscapes.properties and the model card).
    ProtocolSettings protocol = new ProtocolSettings(new double[] {1.0}, FlipMode.NONE, 257, 513, 512, 2.0 / 3,
        ProtocolSettings.AUTO_BATCH);
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> files = spark.read().format("binaryFile")
        .load(work.resolve("cityscapes/leftImg8bit/val/*/*.png").toAbsolutePath().toString());
    SemanticSegmenter segmenter = new SemanticSegmenter().setModelUri(model).setDataset("cityscapes");
    int spread = spark.sparkContext().defaultParallelism() * 3; // as the evaluate job partitions its images
    Dataset<Row> cached = files.repartition(spread).cache();
    cached.count();
    String[] variants = {"evaluate --model, scoring stage", "segmenter, binaryFile rows as read ("
        + files.rdd().getNumPartitions() + " partitions)", "segmenter, binaryFile rows repartitioned (" + spread
        + " partitions, with the shuffle)", "segmenter, rows cached in memory (" + spread + " partitions)"};
    double[][] seconds = new double[variants.length][3];
    for (int round = 0; round < 3; round++) {
      InferenceOptions o = new InferenceOptions(model, protocol, "auto", 0, 1 << 24, null, false);
      EvaluateJob.Outcome outcome = EvaluateJob.run(spark, new EvaluationSpec("cityscapes", null,
          work.resolve("cityscapes").toAbsolutePath().toUri().toString(), "val", new ModelPredictions(o),
          PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
          work.resolve("out").toAbsolutePath().toUri().toString(), "r" + round, 0, true), System.err);
      seconds[0][round] = outcome.run().scoringSeconds();
      seconds[1][round] = time(segmenter, files);
      seconds[2][round] = time(segmenter, files.repartition(spread));
      seconds[3][round] = time(segmenter, cached);
    }
    StringBuilder table = new StringBuilder("| what | round 1 (s) | round 2 (s) | round 3 (s) | best of 2-3 (s) | "
        + "throughput relative to evaluate |\n|---|---:|---:|---:|---:|---:|\n");
    double bestEvaluate = Math.min(seconds[0][1], seconds[0][2]);
    for (int v = 0; v < variants.length; v++) {
      double best = Math.min(seconds[v][1], seconds[v][2]);
      table.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f |%n", variants[v],
          seconds[v][0], seconds[v][1], seconds[v][2], best, bestEvaluate / best));
    }
    String section = String.format(Locale.ROOT, "%n## SemanticSegmenter vs evaluate --model, %s%n%n"
            + "Command: `mvn -B test -Dgroups=benchmark -Dtest=SegmenterThroughputBenchmark`  %n"
            + "Machine: %s, local[2]. Demo model, %d synthetic Cityscapes images 512x256, the demo's protocol "
            + "(one 257x513 window, no flip). evaluate's scoring stage reads and decodes each image, its labels and "
            + "instances, predicts, scores and commits; the segmenter reads the images (binaryFile), predicts and "
            + "encodes each mask as PNG, every mask computed. Round 1 warms up.%n%n%s", Instant.now(), machine(),
        images, table);
    String results = System.getProperty("segeval.results");
    MarkdownResults.publish(section, System.out, results == null ? null : Path.of(results));
  }

  /** Seconds to compute every mask of the rows (a sum over the mask column, so no mask is skipped). */
  static double time(SemanticSegmenter segmenter, Dataset<Row> rows) {
    long t = System.nanoTime();
    Row r = segmenter.transform(rows).select(functions.sum(functions.length(functions.col("mask"))),
        functions.count(functions.col("mask_error"))).first();
    if (r.getLong(1) != 0) {
      throw new AssertionError(r.getLong(1) + " images failed in the segmenter");
    }
    return (System.nanoTime() - t) / 1e9;
  }

  static String machine() {
    return String.format(Locale.ROOT, "%s, %d cores, Java %s", System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
  }
}
