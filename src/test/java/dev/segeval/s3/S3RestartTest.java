package dev.segeval.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 server is stopped and restarted while a job reads its images from it. The job either completes through
 * S3A's retries, with exactly the metrics of an undisturbed run, or fails with a message and leaves no
 * summary.json: never partial results presented as complete.
 */
class S3RestartTest {
  @TempDir
  Path tmp;

  @Test
  void restartDuringARunNeverYieldsPartialResults() throws Exception {
    try (S3ProxyServer server = S3ProxyServer.start(tmp, Files.createDirectories(tmp.resolve("store")))) {
      server.createBucket("restart-data");
      SparkSession spark = SparkTestSession.get();
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      server.apply(conf);
      conf.set("fs.s3a.retry.limit", "20");
      conf.set("fs.s3a.retry.interval", "500ms");
      conf.set("fs.s3a.attempts.maximum", "20");
      Path local = tmp.resolve("local");
      SyntheticDatasets.cityscapes(local.toUri().toString(), new SyntheticDatasets.Options(24, 128, 64, 21, "val"),
          new Configuration());
      FileSystem s3 = new org.apache.hadoop.fs.Path("s3a://restart-data/").getFileSystem(conf);
      FileUtil.copy(local.toFile(), s3, new org.apache.hadoop.fs.Path("s3a://restart-data/synth"), false, conf);

      InferenceOptions options = new InferenceOptions(Fixtures.resource("/models/conv19.pt").toUri().toString(),
          new ProtocolSettings(new double[] {1.0, 0.75}, FlipMode.AVERAGE, 17, 17, 128, 2.0 / 3, 2), "cpu", 1,
          1 << 24, null, false);
      Path out = tmp.resolve("out");
      EvaluationSpec remote = new EvaluationSpec("cityscapes", null, "s3a://restart-data/synth/cityscapes", "val",
          new ModelPredictions(options), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
          out.toUri().toString(), "restart", 8, true);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      CompletableFuture<EvaluateJob.Outcome> run = CompletableFuture.supplyAsync(() -> {
        try {
          return EvaluateJob.run(spark, remote, new PrintStream(log, true, StandardCharsets.UTF_8));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      // Once scoring has started, take the server away for about two seconds.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!log.toString(StandardCharsets.UTF_8).contains("images listed") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(100);
      assertFalse(run.isDone(), "the job must still be running when the server goes away");
      server.stop();
      Thread.sleep(2000);
      server.restart();

      EvaluateJob.Outcome outcome = null;
      Throwable failure = null;
      try {
        outcome = run.get(4, TimeUnit.MINUTES);
      } catch (java.util.concurrent.ExecutionException e) {
        failure = e.getCause();
      }
      if (outcome != null && outcome.run().failedCount() == 0) {
        EvaluateJob.Outcome undisturbed = EvaluateJob.run(spark, new EvaluationSpec("cityscapes", null,
            local.resolve("cityscapes").toUri().toString(), "val", new ModelPredictions(options),
            PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE, tmp.resolve("local-out").toUri().toString(),
            "undisturbed", 8, true), System.err);
        assertEquals(undisturbed.aggregate().stats(), outcome.aggregate().stats());
        JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("summary.json")));
        assertEquals(24, json.at("/images/ok").asInt());
        System.err.println("[restart test] the job completed through S3A retries with identical metrics");
      } else if (outcome != null) {
        // Images that could not be read are failures, counted and listed, never silently dropped.
        assertTrue(outcome.run().failedCount() > 0);
        assertEquals(24, outcome.run().imageCount());
        System.err.println("[restart test] the job finished with " + outcome.run().failedCount()
            + " images failed and listed: " + outcome.run().failures().get(0).error());
      } else {
        assertNotNull(failure);
        assertFalse(Files.exists(out.resolve("summary.json")), "a failed run must not leave summary.json");
        System.err.println("[restart test] the job failed: " + failure);
      }
    }
  }
}
