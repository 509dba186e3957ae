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
        .load(work.resolve("cityscapes/leftImg8bit/val/*/*.png").toAbsolutePath().toString()).cache();
    files.count();
    SemanticSegmenter segmenter = new SemanticSegmenter().setModelUri(model).setDataset("cityscapes");
    double[] evaluateSeconds = new double[3];
    double[] segmenterSeconds = new double[3];
    for (int round = 0; round < 3; round++) {
      InferenceOptions o = new InferenceOptions(model, protocol, "auto", 0, 1 << 24, null, false);
      EvaluateJob.Outcome outcome = EvaluateJob.run(spark, new EvaluationSpec("cityscapes", null,
          work.resolve("cityscapes").toAbsolutePath().toUri().toString(), "val", new ModelPredictions(o),
          PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
          work.resolve("out").toAbsolutePath().toUri().toString(), "r" + round, 0, true), System.err);
      evaluateSeconds[round] = outcome.run().scoringSeconds();
      long t = System.nanoTime();
      // Partitioned as the evaluate job partitions its images (3 per task slot).
      Row sum = segmenter.transform(files.repartition(spark.sparkContext().defaultParallelism() * 3))
          .select(functions.sum(functions.length(functions.col("mask"))), functions.count(functions.col("mask_error")))
          .first();
      segmenterSeconds[round] = (System.nanoTime() - t) / 1e9;
      if (sum.getLong(1) != 0) {
        throw new AssertionError(sum.getLong(1) + " images failed in the segmenter");
      }
    }
    double bestEvaluate = Math.min(evaluateSeconds[1], evaluateSeconds[2]);
    double bestSegmenter = Math.min(segmenterSeconds[1], segmenterSeconds[2]);
    String section = String.format(Locale.ROOT, "%n## SemanticSegmenter vs evaluate --model, %s%n%n"
            + "Command: `mvn -B test -Dgroups=benchmark -Dtest=SegmenterThroughputBenchmark`  %n"
            + "Machine: %s, local[2]. Demo model, %d synthetic Cityscapes images 512x256, the demo's protocol "
            + "(one 257x513 window, no flip). evaluate: the scoring stage (read, decode, predict, score, commit); "
            + "segmenter: transform of cached binaryFile rows to PNG masks, all masks computed. Round 1 warms up.%n%n"
            + "| round | evaluate scoring (s) | segmenter (s) |%n|---:|---:|---:|%n"
            + "| 1 | %.2f | %.2f |%n| 2 | %.2f | %.2f |%n| 3 | %.2f | %.2f |%n%n"
            + "Best of rounds 2-3: evaluate %.2f s, segmenter %.2f s: segmenter throughput %.2f of evaluate's "
            + "(goal: within 10 %%).%n", Instant.now(), machine(), images, evaluateSeconds[0], segmenterSeconds[0],
        evaluateSeconds[1], segmenterSeconds[1], evaluateSeconds[2], segmenterSeconds[2], bestEvaluate,
        bestSegmenter, bestEvaluate / bestSegmenter);
    String results = System.getProperty("segeval.results");
    MarkdownResults.publish(section, System.out, results == null ? null : Path.of(results));
  }

  static String machine() {
    return String.format(Locale.ROOT, "%s, %d cores, Java %s", System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
  }
}
