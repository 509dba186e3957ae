package dev.segeval.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.cli.SegEval;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.Fixtures;
import dev.segeval.spark.SparkTestSession;
import dev.segeval.synth.SyntheticDatasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dataset, predictions, model and results on S3 (s3a:// against a real S3-compatible server on loopback): the
 * metrics equal the local run exactly, and the credentials appear nowhere in the outputs or the job's log.
 */
@Tag("integration")
class S3EvaluateTest {
  @TempDir
  static Path tmp;
  static S3ProxyServer server;
  static final String BUCKET = "s3a://segeval-data";

  @BeforeAll
  static void startServer() throws Exception {
    server = S3ProxyServer.start(tmp);
    server.createBucket("segeval-data");
    SparkSession spark = SparkTestSession.get();
    server.apply(spark.sparkContext().hadoopConfiguration());
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    // A small synthetic set with images (for the model) and predictions, uploaded to the bucket.
    Path local = tmp.resolve("local");
    SyntheticDatasets.cityscapes(local.toUri().toString(), new SyntheticDatasets.Options(4, 96, 64, 9, "val"),
        new Configuration());
    FileSystem s3 = new org.apache.hadoop.fs.Path(BUCKET + "/").getFileSystem(conf);
    FileUtil.copy(local.toFile(), s3, new org.apache.hadoop.fs.Path(BUCKET + "/synth"), false, conf);
    s3.copyFromLocalFile(new org.apache.hadoop.fs.Path(Fixtures.resource("/models/conv19.pt").toUri()),
        new org.apache.hadoop.fs.Path(BUCKET + "/models/conv19.pt"));
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  static EvaluationSpec spec(String root, String predictions, String output, String runId) {
    return new EvaluationSpec("cityscapes", null, root + "/cityscapes", "val", new FolderPredictions(predictions),
        PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, output, runId, 2, true);
  }

  @Test
  void anObjectStoreListingListsWhatHadoopListsWithFoldersSideBySide() throws Exception {
    Configuration conf = SparkTestSession.get().sparkContext().hadoopConfiguration();
    String root = BUCKET + "/listing";
    // More first-level folders than are listed at once, nested folders, and files beside the folders.
    for (int f = 0; f < HadoopPaths.PARALLEL_PREFIX_LISTINGS + 3; f++) {
      for (int i = 0; i < 3; i++) {
        HadoopPaths.write(root + "/city" + f + (i == 2 ? "/deeper/x" : "/") + "img" + i + ".png", new byte[f + i + 1],
            conf);
      }
    }
    HadoopPaths.write(root + "/top.png", new byte[5], conf);
    java.util.Map<String, String> hadoop = new java.util.TreeMap<>();
    var it = new org.apache.hadoop.fs.Path(root).getFileSystem(conf).listFiles(new org.apache.hadoop.fs.Path(root),
        true);
    while (it.hasNext()) {
      var f = it.next();
      hadoop.put(f.getPath().toString(), f.getLen() + "@" + f.getModificationTime());
    }
    java.util.Map<String, String> ours = new java.util.TreeMap<>();
    for (dev.segeval.datasets.ListedFile f : HadoopPaths.listFilesRecursive(root, conf)) {
      assertEquals(null, ours.put(f.path(), f.length() + "@" + f.modificationTime()), f.path());
    }
    assertEquals(3 * (HadoopPaths.PARALLEL_PREFIX_LISTINGS + 3) + 1, hadoop.size(), hadoop.toString());
    assertEquals(hadoop, ours);
  }

  @Test
  void predictionsOnS3ScoreExactlyAsLocally() throws Exception {
    SparkSession spark = SparkTestSession.get();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    EvaluateJob.Outcome remote = EvaluateJob.run(spark, spec(BUCKET + "/synth", BUCKET + "/synth/cityscapes-predictions",
        BUCKET + "/results", "s3run"), new PrintStream(log, true, StandardCharsets.UTF_8));
    Path local = tmp.resolve("local");
    EvaluateJob.Outcome here = EvaluateJob.run(spark, spec(local.toUri().toString(),
        local.resolve("cityscapes-predictions").toUri().toString(), tmp.resolve("out").toUri().toString(), "local"),
        System.err);
    assertEquals(4, remote.run().okCount());
    assertEquals(here.aggregate().stats(), remote.aggregate().stats());
    assertEquals(here.report().meanIou(), remote.report().meanIou(), 0);

    // Results were written to the bucket and read back from it.
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    JsonNode json = new ObjectMapper().readTree(HadoopPaths.readAll(BUCKET + "/results/summary.json", conf));
    assertEquals(here.report().meanIou(), json.at("/metrics/mIoU").asDouble(), 0);
    assertEquals(4, spark.read().parquet(BUCKET + "/results/images").count());
    assertEquals(here.report().meanInstanceIou(),
        (double) spark.read().parquet(BUCKET + "/results/summary").first().getAs("iiou"), 0);
    assertNoSecrets(BUCKET + "/results", conf, log.toString(StandardCharsets.UTF_8));
  }

  @Test
  void modelOnS3RunsOnTheExecutors() throws Exception {
    SparkSession spark = SparkTestSession.get();
    InferenceOptions options = new InferenceOptions(BUCKET + "/models/conv19.pt",
        new ProtocolSettings(new double[] {1.0}, FlipMode.AVERAGE, 33, 33, 96, 2.0 / 3, 2), "auto", 1, 1 << 24,
        BUCKET + "/results-model/masks", false);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    EvaluationSpec s = new EvaluationSpec("cityscapes", null, BUCKET + "/synth/cityscapes", "val",
        new ModelPredictions(options), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
        BUCKET + "/results-model", "m", 2, true);
    EvaluateJob.Outcome remote = EvaluateJob.run(spark, s, new PrintStream(log, true, StandardCharsets.UTF_8));
    assertEquals(4, remote.run().okCount(), String.valueOf(remote.run().failures()));
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    FileSystem fs = new org.apache.hadoop.fs.Path(BUCKET + "/").getFileSystem(conf);
    assertEquals(4, fs.listStatus(new org.apache.hadoop.fs.Path(BUCKET + "/results-model/masks/ids")).length);

    Path local = tmp.resolve("local");
    InferenceOptions localOptions = new InferenceOptions(Fixtures.resource("/models/conv19.pt").toUri().toString(),
        options.protocol(), "auto", 1, 1 << 24, null, false);
    EvaluateJob.Outcome here = EvaluateJob.run(spark, new EvaluationSpec("cityscapes", null,
        local.resolve("cityscapes").toUri().toString(), "val", new ModelPredictions(localOptions),
        PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE, tmp.resolve("out-model").toUri().toString(), "ml", 2,
        true), System.err);
    assertEquals(here.aggregate().stats(), remote.aggregate().stats());
    assertNoSecrets(BUCKET + "/results-model", conf, log.toString(StandardCharsets.UTF_8));
  }

  @Test
  void outputInAMissingBucketFailsBeforeAnyImageIsScored() {
    SparkSession spark = SparkTestSession.get();
    EvaluationSpec s = spec(BUCKET + "/synth", BUCKET + "/synth/cityscapes-predictions",
        "s3a://no-such-bucket/results", "nobucket");
    long before = spark.sparkContext().statusTracker().getJobIdsForGroup("segeval-nobucket").length;
    dev.segeval.scoring.EvaluationException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.segeval.scoring.EvaluationException.class, () -> EvaluateJob.run(spark, s, System.err));
    assertTrue(e.getMessage().startsWith("Cannot write to --output s3a://no-such-bucket/results: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("; give a folder you can write to (for s3a://, an existing bucket)"),
        e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    for (String secret : List.of(S3ProxyServer.SECRET_KEY, S3ProxyServer.ACCESS_KEY)) {
      assertFalse(e.getMessage().contains(secret), "secret in the message");
    }
    assertEquals(before, spark.sparkContext().statusTracker().getJobIdsForGroup("segeval-nobucket").length,
        "no Spark job ran");
  }

  /**
   * A nightly suite with its data, predictions and every output in the bucket: two nights, the second with a
   * degraded prediction set (exit 4), history/ and baselines/ on S3; compare reads runs from s3a:// too.
   */
  @Test
  void nightlySuiteAndCompareWithEverythingOnS3() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path local = tmp.resolve("nightly-local");
    SyntheticDatasets.cityscapes(local.toUri().toString(), new SyntheticDatasets.Options(20, 96, 64, 4, "val"),
        new Configuration());
    FileSystem s3 = new org.apache.hadoop.fs.Path(BUCKET + "/").getFileSystem(conf);
    FileUtil.copy(local.resolve("cityscapes").toFile(), s3, new org.apache.hadoop.fs.Path(BUCKET + "/nd/cityscapes"),
        false, conf);
    FileUtil.copy(local.resolve("cityscapes-predictions").toFile(), s3,
        new org.apache.hadoop.fs.Path(BUCKET + "/nd/preds"), false, conf);
    Path suite = tmp.resolve("s3-suite.properties");
    Files.writeString(suite, String.join("\n", "suite = s3n", "output = " + BUCKET + "/nightly", "entries = e",
        "entry.e = --dataset cityscapes --data-root " + BUCKET + "/nd/cityscapes --predictions " + BUCKET + "/nd/preds",
        "resamples = 2000", ""));
    assertEquals(0, SegEval.execute("nightly", "--suite", suite.toString(), "--date", "2026-11-30"));
    assertEquals(0, SegEval.execute("promote", "--suite", suite.toString(), "--entry", "e", "--run-id",
        "s3n-2026-11-30", "--reason", "first"));
    // Night two: every car predicted as road, uploaded over the predictions.
    for (dev.segeval.datasets.ListedFile f : HadoopPaths.listFilesRecursive(BUCKET + "/nd/preds", conf)) {
      String path = f.path();
      var img = dev.segeval.imaging.PngDecoder.decodeIndex(HadoopPaths.readAll(path, conf), path);
      int[] v = img.intValues();
      for (int i = 0; i < v.length; i++) {
        v[i] = v[i] == 26 ? 7 : v[i];
      }
      HadoopPaths.write(path, dev.segeval.imaging.PngEncoder.encodeGray8(img.width(), img.height(), v), conf);
    }
    assertEquals(4, SegEval.execute("nightly", "--suite", suite.toString(), "--date", "2026-12-01"));
    assertEquals(2, spark.read().parquet(BUCKET + "/nightly/history").count());
    assertEquals("regression", spark.read().parquet(BUCKET + "/nightly/history")
        .filter("run_id = 's3n-2026-12-01'").first().getAs("verdict"));
    assertEquals(1, spark.read().parquet(BUCKET + "/nightly/baselines").count());
    // compare reads both runs from the bucket and writes compare.json there.
    assertEquals(4, SegEval.execute("compare", "--run", BUCKET + "/nightly/e#s3n-2026-12-01", "--baseline",
        BUCKET + "/nightly/e#s3n-2026-11-30", "--resamples", "1000"));
    JsonNode json = new ObjectMapper().readTree(HadoopPaths.readAll(BUCKET
        + "/nightly/e/runs/s3n-2026-12-01/compare-s3n-2026-11-30.json", conf));
    assertEquals("regression", json.at("/verdict").asText());
    assertNoSecrets(BUCKET + "/nightly", conf, "");
  }

  /** Neither key appears in any output file (JSON, Parquet data and metadata, charts) nor in the job's log. */
  static void assertNoSecrets(String outputRoot, Configuration conf, String log) throws Exception {
    for (String secret : List.of(S3ProxyServer.SECRET_KEY, S3ProxyServer.ACCESS_KEY)) {
      assertFalse(log.contains(secret), "secret in the job log");
    }
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(outputRoot);
    FileSystem fs = root.getFileSystem(conf);
    var files = fs.listFiles(root, true);
    int checked = 0;
    while (files.hasNext()) {
      FileStatus f = files.next();
      String content = new String(HadoopPaths.readAll(f.getPath().toString(), conf), StandardCharsets.ISO_8859_1);
      for (String secret : List.of(S3ProxyServer.SECRET_KEY, S3ProxyServer.ACCESS_KEY)) {
        assertFalse(content.contains(secret), "credential found in " + f.getPath());
      }
      checked++;
    }
    assertTrue(checked >= 6, "outputs were checked: " + checked);
  }
}
