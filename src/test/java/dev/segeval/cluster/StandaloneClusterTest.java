package dev.segeval.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.SparkTestSession;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar submitted with SparkSubmit to a real standalone cluster (a Master and two Workers, each a
 * separate JVM on 127.0.0.1): the metrics equal the local-mode run exactly, and the images were scored in at least
 * two executor JVMs.
 */
@Tag("integration")
class StandaloneClusterTest {
  @TempDir
  static Path work;
  static StandaloneCluster cluster;
  static Path appJar;
  static Path data;
  /** Stands for another build's executor on the same machine: same name on its command line, not ours to stop. */
  static Process lookalike;

  @BeforeAll
  static void startCluster() throws Exception {
    lookalike = new ProcessBuilder("bash", "-c", "sleep 900; true",
        "org.apache.spark.executor.CoarseGrainedExecutorBackend").start();
    data = work.resolve("data");
    SyntheticDatasets.cityscapes(data.toUri().toString(), new SyntheticDatasets.Options(24, 256, 128, 13, "val"),
        new Configuration());
    appJar = StandaloneCluster.applicationJar(work);
    cluster = StandaloneCluster.start(work, 2);
  }

  @AfterAll
  static void stopCluster() {
    try {
      if (cluster != null) {
        cluster.close();
      }
      assertTrue(lookalike.isAlive(), "closing the cluster stopped a process it had not started");
    } finally {
      lookalike.descendants().forEach(ProcessHandle::destroy);
      lookalike.destroy();
    }
  }

  @Test
  void submittedJobEqualsLocalModeAndUsesTwoExecutors() throws Exception {
    Path out = work.resolve("cluster-out");
    Process submit = cluster.submit("submit-1", appJar, List.of("spark.cores.max=2"), List.of("evaluate",
        "--dataset", "cityscapes", "--data-root", data.resolve("cityscapes").toString(), "--predictions",
        data.resolve("cityscapes-predictions").toString(), "--output", out.toString(), "--run-id", "cluster",
        "--partitions", "8", "--quiet"));
    assertTrue(submit.waitFor(4, TimeUnit.MINUTES), "spark-submit did not finish in 4 minutes");
    assertEquals(0, submit.exitValue(), cluster.log("submit-1"));

    EvaluateJob.Outcome local = EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null,
        data.resolve("cityscapes").toUri().toString(), "val",
        new FolderPredictions(data.resolve("cityscapes-predictions").toUri().toString()), PredictionEncoding.LABEL_ID,
        AbsentClassPolicy.EXCLUDE, work.resolve("local-out").toUri().toString(), "local", 3, true), System.err);
    JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("summary.json")));
    assertEquals(local.report().meanIou(), json.at("/metrics/mIoU").asDouble(), 0);
    assertEquals(local.report().meanInstanceIou(), json.at("/metrics/iIoU").asDouble(), 0);
    assertEquals(local.report().pixelAccuracy(), json.at("/metrics/pixelAccuracy").asDouble(), 0);
    assertTrue(json.at("/sparkMaster").asText().startsWith("spark://127.0.0.1:"), json.at("/sparkMaster").asText());

    List<Row> images = SparkTestSession.get().read().parquet(out.resolve("images").toString()).collectAsList();
    assertEquals(24, images.size());
    Set<String> workers = new TreeSet<>();
    for (Row r : images) {
      workers.add(r.getAs("worker"));
    }
    assertTrue(workers.size() >= 2, "images were scored in " + workers);
    assertTrue(workers.stream().noneMatch(w -> w.startsWith("driver@")), String.valueOf(workers));
  }

  @Test
  void killingAnExecutorMidRunChangesNothing() throws Exception {
    Path out = work.resolve("fault-out");
    String model = dev.segeval.spark.Fixtures.resource("/models/conv19.pt").toString();
    // Inference with small sliding windows and flips makes each image take long enough to kill mid-run.
    List<String> args = List.of("evaluate", "--dataset", "cityscapes", "--data-root",
        data.resolve("cityscapes").toString(), "--model", model, "--crop-size", "33", "--base-size", "256",
        "--flip", "average", "--scales", "1.0,0.75", "--batch-size", "2", "--intra-op-threads", "1", "--output",
        out.toString(), "--run-id", "fault", "--partitions", "12", "--progress-interval", "0.5", "--quiet");
    // Executors of the earlier tests' applications may still be exiting; only this application's are candidates.
    List<Long> before = cluster.executors().stream().map(ProcessHandle::pid).toList();
    Process submit = cluster.submit("submit-fault", appJar, List.of("spark.cores.max=2",
        "spark.task.maxFailures=4"), args);
    // Wait until both executors run tasks, then kill one of them (SIGKILL, as a lost node would). The victim is
    // taken from this cluster's own Workers' process trees, never looked up by name on the machine.
    long killed = -1;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline && submit.isAlive()) {
      List<ProcessHandle> executors = cluster.executors().stream().filter(p -> !before.contains(p.pid())).toList();
      if (executors.size() >= 2 && cluster.log("submit-fault").contains("images (")) {
        ProcessHandle victim = executors.get(0);
        killed = victim.pid();
        victim.destroyForcibly();
        victim.onExit().get(30, TimeUnit.SECONDS); // bounded: a TimeoutException fails the test
        break;
      }
      Thread.sleep(200);
    }
    assertTrue(killed > 0, "no executor was killed; the job ended too early: " + cluster.log("submit-fault"));
    assertTrue(submit.waitFor(5, TimeUnit.MINUTES), "spark-submit did not finish in 5 minutes");
    assertEquals(0, submit.exitValue(), cluster.log("submit-fault"));

    // The same run in local mode, without faults.
    dev.segeval.inference.InferenceOptions options = new dev.segeval.inference.InferenceOptions(
        Path.of(model).toUri().toString(), new dev.segeval.inference.ProtocolSettings(new double[] {1.0, 0.75},
        dev.segeval.inference.FlipMode.AVERAGE, 33, 33, 256, 2.0 / 3, 2), "auto", 1, 100_000_000L, null, false);
    EvaluateJob.Outcome local = EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null,
        data.resolve("cityscapes").toUri().toString(), "val", new dev.segeval.inference.ModelPredictions(options),
        PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE, work.resolve("fault-local").toUri().toString(),
        "fault-local", 3, true), System.err);
    JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("summary.json")));
    assertEquals(0, json.at("/images/failed").asInt());
    assertEquals(local.report().meanIou(), json.at("/metrics/mIoU").asDouble(), 0);
    assertEquals(local.report().meanInstanceIou(), json.at("/metrics/iIoU").asDouble(), 0);
    assertEquals(local.report().frequencyWeightedIou(), json.at("/metrics/fwIoU").asDouble(), 0);
    List<Row> images = SparkTestSession.get().read().parquet(out.resolve("images").toString()).collectAsList();
    assertEquals(24, images.size(), "each image exactly once despite the retried tasks");
    System.err.println("[fault test] killed executor pid " + killed + "; images scored by "
        + images.stream().map(r -> (String) r.getAs("worker")).collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
  }

  /**
   * The acceptance case on the cluster: the driver (the spark-submit JVM this test started, killed by its own pid
   * with SIGKILL) dies with about half of a --model run committed; the --resume submission infers exactly the
   * missing images and its metrics equal an uninterrupted local run bit for bit. A resume with another model file
   * is refused with exit code 2.
   */
  @Test
  void driverKilledHalfwayIsResumedOnTheCluster() throws Exception {
    Path out = work.resolve("resume-out");
    String demo = Path.of("notebooks/models/pspnet-tiny-synth-cityscapes.pt").toAbsolutePath().toString();
    List<String> args = new ArrayList<>(List.of("evaluate", "--dataset", "cityscapes", "--data-root",
        data.resolve("cityscapes").toString(), "--model", demo, "--device", "cpu", "--scales", "1.0", "--flip",
        "none", "--crop-size", "257x513", "--base-size", "512", "--intra-op-threads", "1", "--output",
        out.toString(), "--run-id", "resume", "--partitions", "12", "--quiet"));
    Process driver = cluster.submit("submit-resume-1", appJar, List.of("spark.cores.max=2"), args);
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      while (committedIds(out, "resume").size() < 12) {
        assertTrue(driver.isAlive(), "the driver ended before half of the images were committed: "
            + cluster.log("submit-resume-1"));
        assertTrue(System.nanoTime() < deadline, "half of the images were not committed in 4 minutes");
        Thread.sleep(20);
      }
    } finally {
      driver.destroyForcibly(); // SIGKILL of the driver JVM this test started, by its pid
      assertTrue(driver.waitFor(1, TimeUnit.MINUTES), "the killed driver did not exit");
    }
    // The application's executors notice the lost driver and exit; only then is the committed set final.
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!cluster.executors().isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the executors of the killed driver did not exit in 2 minutes");
      Thread.sleep(100);
    }
    int committed = committedIds(out, "resume").size();
    assertTrue(committed >= 12 && committed < 24, "killed mid-run: " + committed + " of 24 committed");
    assertFalse(Files.exists(out.resolve("summary.json")));

    List<String> resumeArgs = new ArrayList<>(args);
    resumeArgs.add("--resume");
    Process resume = cluster.submit("submit-resume-2", appJar, List.of("spark.cores.max=2"), resumeArgs);
    assertTrue(resume.waitFor(4, TimeUnit.MINUTES), "the resumed run did not finish in 4 minutes");
    String log = cluster.log("submit-resume-2");
    assertEquals(0, resume.exitValue(), log);
    assertTrue(log.contains(String.format("[segeval] resuming run resume: %d of 24 images already committed; "
        + "scoring the other %d", committed, 24 - committed)), log);
    System.err.printf("[cluster resume] driver killed with %d of 24 images committed; resumed run scored %d%n",
        committed, 24 - committed);

    // The images of the resumed run were inferred by its own executors, the others by the killed run's.
    List<Row> images = SparkTestSession.get().read().parquet(out.resolve("images").toString()).collectAsList();
    assertEquals(24, images.size());
    assertEquals(24, images.stream().map(r -> (String) r.getAs("image_id")).distinct().count());

    dev.segeval.inference.InferenceOptions options = new dev.segeval.inference.InferenceOptions(
        Path.of(demo).toUri().toString(), new dev.segeval.inference.ProtocolSettings(new double[] {1.0},
        dev.segeval.inference.FlipMode.NONE, 257, 513, 512, 2.0 / 3, 4), "cpu", 1, 100_000_000L, null, false);
    EvaluateJob.Outcome local = EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null,
        data.resolve("cityscapes").toUri().toString(), "val", new dev.segeval.inference.ModelPredictions(options),
        PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE, work.resolve("resume-local").toUri().toString(),
        "resume-local", 3, true), System.err);
    JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("summary.json")));
    assertEquals(committed, json.at("/images/resumed").asInt());
    assertEquals(24, json.at("/images/ok").asInt());
    // Bit for bit: summary.json holds the shortest decimal that reads back as the same double.
    assertEquals(Double.doubleToLongBits(local.report().meanIou()),
        Double.doubleToLongBits(json.at("/metrics/mIoU").asDouble()));
    assertEquals(Double.doubleToLongBits(local.report().meanInstanceIou()),
        Double.doubleToLongBits(json.at("/metrics/iIoU").asDouble()));
    assertEquals(Double.doubleToLongBits(local.report().pixelAccuracy()),
        Double.doubleToLongBits(json.at("/metrics/pixelAccuracy").asDouble()));
    assertEquals(Double.doubleToLongBits(local.report().frequencyWeightedIou()),
        Double.doubleToLongBits(json.at("/metrics/fwIoU").asDouble()));
    for (int c = 0; c < local.report().classes().size(); c++) {
      JsonNode iou = json.at("/classes/" + c + "/iou");
      double expected = local.report().classes().get(c).iou();
      assertEquals(Double.isNaN(expected), iou.isNull(), "class " + c);
      if (!iou.isNull()) {
        assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(iou.asDouble()), "class " + c);
      }
    }

    // Another model file under the same run id: refused, naming the field.
    List<String> otherModel = new ArrayList<>(resumeArgs);
    otherModel.set(otherModel.indexOf(demo), dev.segeval.spark.Fixtures.resource("/models/conv19.pt").toString());
    Process refused = cluster.submit("submit-resume-3", appJar, List.of("spark.cores.max=2"), otherModel);
    assertTrue(refused.waitFor(4, TimeUnit.MINUTES), "the refused resume did not finish in 4 minutes");
    assertEquals(2, refused.exitValue(), cluster.log("submit-resume-3"));
    assertTrue(cluster.log("submit-resume-3").contains("segeval: Cannot resume run 'resume': it was started with "
        + "other inputs: model.sha256 (run: "), cluster.log("submit-resume-3"));
  }

  static Set<String> committedIds(Path output, String runId) throws Exception {
    dev.segeval.runs.RunDirectory dir = new dev.segeval.runs.RunDirectory(output.toUri().toString(), runId);
    Set<String> ids = new TreeSet<>();
    for (String f : dir.committedFiles(new Configuration())) {
      ids.addAll(dev.segeval.runs.RunDirectory.readIds(f, new Configuration()));
    }
    return ids;
  }

  /** The README's "Running on a cluster" command, as written, against this loopback cluster. */
  @Test
  void readmeSparkSubmitExampleWorksAsWritten() throws Exception {
    Path out = work.resolve("readme-out");
    ProcessBuilder pb = new ProcessBuilder("jobs/evaluate.sh", "--master", cluster.masterUrl(),
        "--conf", "spark.cores.max=2", "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
        "--", "--config", "conf/datasets/cityscapes.properties", "--data-root", data.resolve("cityscapes").toString(),
        "--predictions", data.resolve("cityscapes-predictions").toString(), "--output", out.toString(),
        "--run-id", "readme");
    pb.environment().put("SPARK_HOME", cluster.home().toString());
    pb.environment().put("SEGEVAL_JAR", appJar.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(work.resolve("readme-submit.log").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(4, TimeUnit.MINUTES), "jobs/evaluate.sh did not finish in 4 minutes");
    String log = Files.readString(work.resolve("readme-submit.log"));
    assertEquals(0, p.exitValue(), log);
    assertTrue(log.contains("mIoU"), "the metrics table is printed: " + log);
    JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("summary.json")));
    assertEquals(cluster.masterUrl(), json.at("/sparkMaster").asText());
    assertEquals(24, json.at("/images/ok").asInt());
  }
}
