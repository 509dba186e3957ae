package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.cli.SegEval;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.MetricReport;
import dev.segeval.runs.RunDirectory;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.synth.SyntheticDatasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * A run whose driver dies is resumed: only the images without committed results are scored again, and the
 * metrics equal those of an uninterrupted run bit for bit. A resume under other inputs is refused.
 */
class ResumeTest {
  static final String DEMO_MODEL = Path.of("notebooks/models/pspnet-tiny-synth-cityscapes.pt").toAbsolutePath()
      .toUri().toString();
  static final int IMAGES = 24;

  @TempDir
  static Path data;
  @TempDir
  Path tmp;

  @BeforeAll
  static void synthesise() throws Exception {
    SyntheticDatasets.cityscapes(data.toUri().toString(),
        new SyntheticDatasets.Options(IMAGES, 256, 128, 11, "val"), new Configuration());
  }

  /** The demo model's protocol (conf/models/pspnet-tiny-synth-cityscapes.properties), batch as the CLI's default. */
  static InferenceOptions demoModel(String uri) {
    return new InferenceOptions(uri, new ProtocolSettings(new double[] {1.0}, FlipMode.NONE, 257, 513, 512,
        2.0 / 3, ProtocolSettings.AUTO_BATCH), "cpu", 1, 100_000_000L, null, false);
  }

  EvaluationSpec modelSpec(String model, String runId, int partitions) {
    return new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(), "val",
        new ModelPredictions(demoModel(model)), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
        tmp.resolve("out").toUri().toString(), runId, partitions, true);
  }

  static Set<String> committedIds(String output, String runId) throws Exception {
    RunDirectory dir = new RunDirectory(output, runId);
    Set<String> ids = new HashSet<>();
    for (String f : dir.committedFiles(new Configuration())) {
      ids.addAll(RunDirectory.readIds(f, new Configuration()));
    }
    return ids;
  }

  static void assertSameMetrics(EvaluateJob.Outcome expected, EvaluateJob.Outcome actual) {
    assertEquals(expected.aggregate().stats(), actual.aggregate().stats());
    MetricReport a = expected.report();
    MetricReport b = actual.report();
    assertEquals(Double.doubleToLongBits(a.meanIou()), Double.doubleToLongBits(b.meanIou()));
    assertEquals(Double.doubleToLongBits(a.pixelAccuracy()), Double.doubleToLongBits(b.pixelAccuracy()));
    assertEquals(Double.doubleToLongBits(a.meanAccuracy()), Double.doubleToLongBits(b.meanAccuracy()));
    assertEquals(Double.doubleToLongBits(a.frequencyWeightedIou()), Double.doubleToLongBits(b.frequencyWeightedIou()));
    assertEquals(Double.doubleToLongBits(a.meanInstanceIou()), Double.doubleToLongBits(b.meanInstanceIou()));
    assertEquals(Double.doubleToLongBits(a.categoryMeanInstanceIou()),
        Double.doubleToLongBits(b.categoryMeanInstanceIou()));
    for (int c = 0; c < a.classes().size(); c++) {
      assertEquals(Double.doubleToLongBits(a.classes().get(c).iou()), Double.doubleToLongBits(b.classes().get(c).iou()));
      assertEquals(Double.doubleToLongBits(a.classes().get(c).iiou()),
          Double.doubleToLongBits(b.classes().get(c).iiou()));
    }
  }

  @Test
  void lostChunksAreScoredAgainAndTheMetricsAreUnchanged() throws Exception {
    String preds = data.resolve("cityscapes-predictions").toUri().toString();
    String out = tmp.resolve("folder").toUri().toString();
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(), "val",
        new FolderPredictions(preds), PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, out, "r", 6, true);
    EvaluateJob.Outcome full = EvaluateJob.run(SparkTestSession.get(), spec, System.err);
    RunDirectory dir = new RunDirectory(out, "r");
    List<String> files = dir.committedFiles(new Configuration());
    assertEquals(6, files.size(), "one committed chunk per partition");
    // As if the driver had died before three partitions committed.
    int lost = 0;
    for (String f : files.subList(0, 3)) {
      lost += RunDirectory.readIds(f, new Configuration()).size();
      Files.delete(Path.of(java.net.URI.create(f)));
    }
    Files.delete(tmp.resolve("folder/summary.json"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    EvaluateJob.Outcome resumed = EvaluateJob.run(SparkTestSession.get(), spec,
        RunOptions.DEFAULTS.withResume(true), new PrintStream(log, true, StandardCharsets.UTF_8));
    String text = log.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains(String.format("[segeval] resuming run r: %d of %d images already committed; scoring "
        + "the other %d", IMAGES - lost, IMAGES, lost)), text);
    // The end of the scoring stage is logged with the images scored in this attempt (tools split the log there).
    assertTrue(text.contains(String.format("[segeval] scored %d images in ", lost)), text);
    assertEquals(IMAGES - lost, resumed.run().resumedCount());
    assertSameMetrics(full, resumed);
    assertTrue(Files.exists(tmp.resolve("folder/summary.json")));
    // images/ holds every image once.
    List<Row> rows = SparkTestSession.get().read().parquet(tmp.resolve("folder/images").toString()).collectAsList();
    assertEquals(IMAGES, rows.size());
    assertEquals(IMAGES, rows.stream().map(r -> r.<String>getAs("image_id")).distinct().count());

    // A resume with nothing left to score rewrites the same results.
    EvaluateJob.Outcome again = EvaluateJob.run(SparkTestSession.get(), spec, RunOptions.DEFAULTS.withResume(true),
        System.err);
    assertEquals(IMAGES, again.run().resumedCount());
    assertSameMetrics(full, again);
  }

  @Test
  void aDamagedChunkStopsTheResumedRunNamingTheFile() throws Exception {
    String preds = data.resolve("cityscapes-predictions").toUri().toString();
    String out = tmp.resolve("damaged").toUri().toString();
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(), "val",
        new FolderPredictions(preds), PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, out, "d", 2, true);
    EvaluateJob.run(SparkTestSession.get(), spec, System.err);
    byte[] summaryBefore = Files.readAllBytes(tmp.resolve("damaged/summary.json"));
    RunDirectory dir = new RunDirectory(out, "d");
    String chunk = dir.committedFiles(new Configuration()).get(0);
    Path local = Path.of(java.net.URI.create(chunk.replace("file:/", "file:///")));
    byte[] bytes = Files.readAllBytes(local);
    // One bit near the end, in the results behind the chunk's summary (which is all the run uses of the chunk),
    // after an intact header: the checksum of the whole file still stops the run.
    bytes[bytes.length - 40] ^= 0x10;
    Files.write(local, bytes);
    Exception e = assertThrows(Exception.class, () -> EvaluateJob.run(SparkTestSession.get(), spec,
        RunOptions.DEFAULTS.withResume(true), System.err));
    StringBuilder messages = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    assertTrue(messages.toString().contains("damaged or truncated")
        && messages.toString().contains(local.getFileName().toString()), messages.toString());
    // It stopped before touching any table: the summary of the earlier complete run is still the one there.
    assertArrayEquals(summaryBefore, Files.readAllBytes(tmp.resolve("damaged/summary.json")));
    // Resumed under other inputs (a prediction folder elsewhere), in either place of planning: the mismatch is the
    // answer, whatever the earlier chunks hold.
    Path elsewhere = tmp.resolve("preds-elsewhere");
    Fixtures.copyTree(data.resolve("cityscapes-predictions"), elsewhere);
    EvaluationSpec moved = new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(),
        "val", new FolderPredictions(elsewhere.toUri().toString()), PredictionEncoding.LABEL_ID,
        AbsentClassPolicy.EXCLUDE, out, "d", 2, true);
    for (RunOptions.Planning planning : RunOptions.Planning.values()) {
      EvaluationException mismatch = assertThrows(EvaluationException.class, () -> EvaluateJob.run(
          SparkTestSession.get(), moved, RunOptions.DEFAULTS.withResume(true).withPlanning(planning), System.err));
      assertTrue(mismatch.getMessage().startsWith("Cannot resume run 'd': it was started with other inputs: "
          + "predictions ("), mismatch.getMessage());
    }
  }

  @Test
  void overlappingChunksOfRetriedTasksCountEachImageOnce() throws Exception {
    String preds = data.resolve("cityscapes-predictions").toUri().toString();
    String out = tmp.resolve("overlap").toUri().toString();
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(), "val",
        new FolderPredictions(preds), PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, out, "o", 2, true);
    EvaluateJob.Outcome full = EvaluateJob.run(SparkTestSession.get(), spec, System.err);
    // A retried task whose chunk boundaries differed commits some images a second time in another chunk.
    RunDirectory plain = new RunDirectory(out, "o");
    RunDirectory dir = plain.forFingerprint(plain.readFingerprint(new Configuration()));
    String first = dir.committedFiles(new Configuration()).get(0);
    List<dev.segeval.scoring.ImageResult> results = RunDirectory.read(first, new Configuration());
    // Without a summary, as a chunk of another version would be: the run reads it in full, beside summaries.
    dir.forAttempt("7e57").commit(new ArrayList<>(results.subList(0, 3)), new Configuration());
    assertEquals(3, dir.committedFiles(new Configuration()).size());
    EvaluateJob.Outcome resumed = EvaluateJob.run(SparkTestSession.get(), spec, RunOptions.DEFAULTS.withResume(true),
        System.err);
    assertEquals(IMAGES, resumed.run().imageCount());
    assertEquals(IMAGES, resumed.run().okCount() + resumed.run().failedCount());
    assertSameMetrics(full, resumed);
  }

  @Test
  void anotherAbsentClassPolicyOnResumeRewritesThePerImageRows() throws Exception {
    String preds = data.resolve("cityscapes-predictions").toUri().toString();
    String root = data.resolve("cityscapes").toUri().toString();
    String out = tmp.resolve("policy").toUri().toString();
    EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null, root, "val",
        new FolderPredictions(preds), PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, out, "p", 2, true),
        System.err);
    EvaluateJob.Outcome resumed = EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null, root,
        "val", new FolderPredictions(preds), PredictionEncoding.LABEL_ID, AbsentClassPolicy.COUNT_AS_ZERO, out, "p", 2,
        true), RunOptions.DEFAULTS.withResume(true), System.err);
    assertEquals(IMAGES, resumed.run().resumedCount());
    String fresh = tmp.resolve("policy-fresh").toUri().toString();
    EvaluateJob.Outcome zero = EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null, root,
        "val", new FolderPredictions(preds), PredictionEncoding.LABEL_ID, AbsentClassPolicy.COUNT_AS_ZERO, fresh, "p",
        3, true), System.err);
    assertSameMetrics(zero, resumed);
    assertEquals(perImage(fresh), perImage(out));
    assertEquals(zero.report().meanIou(), resumed.report().meanIou());
  }

  /** Every images/ row of run p without its timing and worker, sorted. */
  private static List<String> perImage(String out) {
    return SparkTestSession.get().read().parquet(out + "/images/run_id=p").drop("seconds", "worker")
        .collectAsList().stream().map(Row::toString).sorted().toList();
  }

  /**
   * With one image per partition the failed image is alone in its chunk, and its second attempt scores the very same
   * image ids: the new chunk must not be taken for the earlier one.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"4, DRIVER", IMAGES + ", DRIVER", "4, EXECUTOR"})
  void imagesThatFailedAreScoredAgainOnResume(int partitions, RunOptions.Planning planning) throws Exception {
    Path root = tmp.resolve("data");
    Fixtures.copyTree(data.resolve("cityscapes"), root.resolve("cityscapes"));
    Path label = Files.list(root.resolve("cityscapes/gtFine/val")).sorted().findFirst().orElseThrow();
    Path broken;
    try (var files = Files.list(label)) {
      broken = files.filter(p -> p.toString().endsWith("_labelIds.png")).sorted().findFirst().orElseThrow();
    }
    byte[] good = Files.readAllBytes(broken);
    Files.write(broken, java.util.Arrays.copyOf(good, good.length / 3));
    String preds = data.resolve("cityscapes-predictions").toUri().toString();
    String out = tmp.resolve("fixed").toUri().toString();
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, root.resolve("cityscapes").toUri().toString(), "val",
        new FolderPredictions(preds), PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, out, "f", partitions,
        true);
    RunOptions options = RunOptions.DEFAULTS.withPlanning(planning);
    EvaluateJob.Outcome first = EvaluateJob.run(SparkTestSession.get(), spec, options, System.err);
    assertEquals(1, first.run().failedCount());
    Files.write(broken, good); // the user repairs the file and resumes
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    EvaluateJob.Outcome resumed = EvaluateJob.run(SparkTestSession.get(), spec, options.withResume(true),
        new PrintStream(log, true, StandardCharsets.UTF_8));
    String text = log.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains(String.format("[segeval] resuming run f: %d of %d images already committed; scoring the "
        + "other 1 (1 of them failed before and are scored again)", IMAGES - 1, IMAGES)), text);
    assertEquals(0, resumed.run().failedCount());
    EvaluateJob.Outcome clean = EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null,
        data.resolve("cityscapes").toUri().toString(), "val", new FolderPredictions(preds), PredictionEncoding.LABEL_ID,
        AbsentClassPolicy.EXCLUDE, tmp.resolve("clean-f").toUri().toString(), "cf", 3, true), System.err);
    assertSameMetrics(clean, resumed);
  }

  @Test
  void resumeUnderAnotherModelIsRefusedNamingTheField() throws Exception {
    String out = tmp.resolve("out").toUri().toString();
    EvaluateJob.run(SparkTestSession.get(), modelSpec(DEMO_MODEL, "m", 4), System.err);
    // Another model file with the same class count: the fingerprint's model.sha256 differs.
    String other = Fixtures.resource("/models/conv19.pt").toUri().toString();
    EvaluationSpec changed = new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(),
        "val", new ModelPredictions(demoModel(other)), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE, out,
        "m", 4, true);
    EvaluationException e = assertThrows(EvaluationException.class, () -> EvaluateJob.run(SparkTestSession.get(),
        changed, RunOptions.DEFAULTS.withResume(true), System.err));
    assertTrue(e.getMessage().startsWith("Cannot resume run 'm': it was started with other inputs: model.sha256 "
        + "(run: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("Rerun without --resume to score it afresh, or use another --run-id"),
        e.getMessage());
    assertFalse(e.getMessage().contains("protocol ("), "the protocol is the same: " + e.getMessage());
    // The command line says the same in one line with exit code 2.
    assertEquals(SegEval.EXIT_USAGE, SegEval.execute("evaluate", "--dataset", "cityscapes", "--data-root",
        data.resolve("cityscapes").toString(), "--model", other, "--scales", "1.0", "--flip", "none",
        "--crop-size", "257x513", "--base-size", "512", "--output", tmp.resolve("out").toString(), "--run-id", "m",
        "--resume", "--quiet"));
  }

  /**
   * The acceptance case: the driver JVM of a --model run (local mode) is SIGKILLed, found by its own pid, when
   * about half of the images are committed; the --resume rerun infers exactly the missing images.
   */
  @Test
  @Tag("integration")
  void driverKilledHalfwayIsResumedScoringOnlyTheMissingImages() throws Exception {
    Path out = tmp.resolve("killed");
    String outUri = out.toUri().toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Files.readAllLines(Path.of("jobs/java17-options")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
    cmd.addAll(List.of("-Xmx2g", "-Dspark.ui.enabled=false", "-cp", System.getProperty("java.class.path"),
        SegEval.class.getName(), "evaluate", "--dataset", "cityscapes",
        "--data-root", data.resolve("cityscapes").toString(), "--model", DEMO_MODEL, "--device", "cpu",
        "--scales", "1.0", "--flip", "none", "--crop-size", "257x513", "--base-size", "512",
        "--executor-threads", "1", "--intra-op-threads", "1", "--partitions", "12", "--output", out.toString(),
        "--run-id", "k", "--quiet"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("driver.log").toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process driver = pb.start();
    int committedAtKill;
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      while (committedIds(outUri, "k").size() < IMAGES / 2) {
        assertTrue(driver.isAlive(), "the driver ended before half of the images were committed: "
            + Files.readString(tmp.resolve("driver.log")));
        assertTrue(System.nanoTime() < deadline, "half of the images were not committed within 4 minutes");
        Thread.sleep(20);
      }
    } finally {
      driver.destroyForcibly(); // SIGKILL of the process this test started, by its own pid
      assertTrue(driver.waitFor(1, TimeUnit.MINUTES), "the killed driver did not exit");
    }
    committedAtKill = committedIds(outUri, "k").size();
    assertTrue(committedAtKill >= IMAGES / 2 && committedAtKill < IMAGES,
        "killed mid-run: " + committedAtKill + " of " + IMAGES + " committed");
    assertFalse(Files.exists(out.resolve("summary.json")), "a killed run has no summary.json");
    System.err.printf("[ResumeTest] driver killed with %d of %d images committed%n", committedAtKill, IMAGES);

    ByteArrayOutputStream log = new ByteArrayOutputStream();
    EvaluateJob.Outcome resumed = EvaluateJob.run(SparkTestSession.get(), modelSpecAt(outUri, "k"),
        RunOptions.DEFAULTS.withResume(true), new PrintStream(log, true, StandardCharsets.UTF_8));
    String text = log.toString(StandardCharsets.UTF_8);
    int missing = IMAGES - committedAtKill;
    assertTrue(text.contains(String.format("[segeval] resuming run k: %d of %d images already committed; scoring "
        + "the other %d", committedAtKill, IMAGES, missing)), text);
    // Exactly the missing images were inferred in this JVM; the others come from the killed driver.
    String here = ":" + ProcessHandle.current().pid();
    List<Row> rows = SparkTestSession.get().read().parquet(out.resolve("images").toString()).collectAsList();
    assertEquals(IMAGES, rows.size());
    assertEquals(missing, rows.stream().filter(r -> r.<String>getAs("worker").endsWith(here)).count());

    EvaluateJob.Outcome uninterrupted = EvaluateJob.run(SparkTestSession.get(),
        modelSpecAt(tmp.resolve("clean").toUri().toString(), "clean"), System.err);
    assertEquals(IMAGES, uninterrupted.run().okCount());
    assertSameMetrics(uninterrupted, resumed);
    String summary = Files.readString(out.resolve("summary.json"));
    assertTrue(summary.contains("\"resumed\" : " + committedAtKill), summary);
  }

  EvaluationSpec modelSpecAt(String output, String runId) {
    return new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(), "val",
        new ModelPredictions(demoModel(DEMO_MODEL)), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
        output, runId, 12, true);
  }
}
