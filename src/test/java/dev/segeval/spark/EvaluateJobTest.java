package dev.segeval.spark;

import dev.segeval.scoring.EvaluationSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.MetricReport;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.SequentialEvaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Spark job over synthetic Cityscapes, ADE20K and VOC sets equals the single-threaded core exactly. */
class EvaluateJobTest {
  @TempDir
  Path tmp;

  static EvaluationSpec spec(String dataset, String root, String predictions, PredictionEncoding encoding,
                             String output, String runId, int partitions) {
    return new EvaluationSpec(dataset, null, root, "val", new FolderPredictions(predictions), encoding,
        AbsentClassPolicy.EXCLUDE, output, runId, partitions, true);
  }

  /**
   * A run scored in one attempt reads no chunk header before merging (the scoring tasks report their chunks), and a
   * resumed one does; both give the same numbers.
   */
  @org.junit.jupiter.api.Test
  void aRunScoredInOneAttemptSkipsTheHeaderPassAndAResumedRunDoesNot() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path data = Fixtures.synth();
    java.util.List<String> jobs = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
        jobs.add(String.valueOf(start.properties().getProperty("spark.job.description")));
      }
    };
    spark.sparkContext().addSparkListener(listener);
    try {
      EvaluationSpec spec = spec("cityscapes", data.resolve("cityscapes").toUri().toString(),
          data.resolve("cityscapes-predictions").toUri().toString(), PredictionEncoding.LABEL_ID,
          tmp.resolve("headers").toUri().toString(), "once", 3);
      EvaluateJob.Outcome fresh = EvaluateJob.run(spark, spec, System.err);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertTrue(jobs.stream().anyMatch(d -> d.startsWith("segeval: score")), jobs.toString());
      assertTrue(jobs.stream().noneMatch(d -> d.startsWith("segeval: read committed results")), jobs.toString());

      jobs.clear();
      // Planned in an executor's task, as on a cluster: that task reads the earlier chunks' headers.
      EvaluateJob.Outcome resumed = EvaluateJob.run(spark, spec, RunOptions.DEFAULTS.withResume(true)
          .withPlanning(RunOptions.Planning.EXECUTOR), System.err);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertTrue(jobs.stream().anyMatch(d -> d.startsWith("segeval: read committed results")), jobs.toString());
      assertEquals(fresh.aggregate().stats(), resumed.aggregate().stats());
      assertEquals(6, resumed.run().okCount());
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
  }

  @ParameterizedTest
  @CsvSource({
      "cityscapes, cityscapes, cityscapes-predictions, labelId, 3",
      "cityscapes, cityscapes, cityscapes-predictions-trainid, trainId, 2",
      "ade20k, ade20k, ade20k-predictions, labelId, 4",
      "voc2012, voc2012, voc2012-predictions, labelId, 1"})
  void sparkEqualsSequentialCore(String dataset, String root, String preds, String encoding, int partitions)
      throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path data = Fixtures.synth();
    String out = tmp.resolve("out").toUri().toString();
    EvaluationSpec spec = spec(dataset, data.resolve(root).toUri().toString(), data.resolve(preds).toUri().toString(),
        PredictionEncoding.parse(encoding), out, "run-a", partitions);
    EvaluateJob.Outcome outcome = EvaluateJob.run(spark, spec, System.err);

    Configuration conf = new Configuration();
    ClassSpace space = outcome.space();
    SequentialEvaluator.Result seq = SequentialEvaluator.evaluate(space, spec.predictions(),
        dev.segeval.scoring.RunPlanner.plan(spec, conf).tasks(), conf);
    assertEquals(6, outcome.run().imageCount());
    assertEquals(0, outcome.run().failedCount());
    assertEquals(seq.aggregate().stats(), outcome.aggregate().stats(), "Spark and sequential statistics differ");
    MetricReport expected = MetricReport.compute(space, seq.aggregate().stats(), AbsentClassPolicy.EXCLUDE);
    assertEquals(expected.meanIou(), outcome.report().meanIou(), 0);
    assertEquals(expected.meanInstanceIou(), outcome.report().meanInstanceIou(), 0);
    assertTrue(outcome.report().meanIou() > 0.3 && outcome.report().meanIou() < 0.99,
        "synthetic predictions are imperfect: " + outcome.report().meanIou());

    // summary.json carries the same numbers.
    JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(tmp.resolve("out/summary.json")));
    assertEquals(outcome.report().meanIou(), json.at("/metrics/mIoU").asDouble(), 0);
    assertEquals(outcome.report().pixelAccuracy(), json.at("/metrics/pixelAccuracy").asDouble(), 0);
    assertEquals(space.numClasses(), json.get("classes").size());
    if (dataset.equals("cityscapes")) {
      assertEquals(outcome.report().meanInstanceIou(), json.at("/metrics/iIoU").asDouble(), 0);
      assertEquals(7, json.get("categories").size());
    } else {
      assertTrue(json.at("/metrics/iIoU").isNull(), "no iIoU outside Cityscapes");
    }

    String chart = Files.readString(tmp.resolve("out/classes.svg"));
    assertTrue(chart.startsWith("<svg") && chart.contains(">" + space.className(0) + "<"), "class chart");
    assertTrue(Files.readString(tmp.resolve("out/confusion.svg")).contains("</svg>"));

    // The Parquet tables read back, and images/ alone re-scores the run.
    Dataset<Row> summary = spark.read().parquet(out + "/summary");
    assertEquals(1, summary.count());
    Row s = summary.first();
    assertEquals("run-a", s.getAs("run_id"));
    assertEquals(outcome.report().meanIou(), (double) s.getAs("miou"), 0);
    assertEquals(space.numClasses(), spark.read().parquet(out + "/classes").count());
    List<Row> images = spark.read().parquet(out + "/images").collectAsList();
    assertEquals(6, images.size());
    SegmentationStats restored = ResultTables.restore(space, images);
    assertEquals(outcome.aggregate().stats().confusion(), restored.confusion());
    MetricReport rescored = MetricReport.compute(space, restored, AbsentClassPolicy.EXCLUDE);
    assertEquals(outcome.report().meanIou(), rescored.meanIou(), 0);
    if (dataset.equals("cityscapes")) {
      // The exact weighted sums are stored: images/ alone re-scores the run bit for bit, iIoU included.
      assertEquals(Double.doubleToLongBits(outcome.report().meanInstanceIou()),
          Double.doubleToLongBits(rescored.meanInstanceIou()));
      assertEquals(Double.doubleToLongBits(outcome.report().categoryMeanInstanceIou()),
          Double.doubleToLongBits(rescored.categoryMeanInstanceIou()));
      for (int c = 0; c < space.numClasses(); c++) {
        assertEquals(Double.doubleToLongBits(outcome.report().classes().get(c).iiou()),
            Double.doubleToLongBits(rescored.classes().get(c).iiou()), "class " + c);
      }
    }
    long cells = spark.read().parquet(out + "/confusion").count();
    assertEquals(outcome.aggregate().stats().confusion().nonZeroCells().length, cells);
  }

  @Test
  void trainIdAndLabelIdPredictionsGiveTheSameClassScores() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path data = Fixtures.synth();
    String root = data.resolve("cityscapes").toUri().toString();
    MetricReport byLabel = EvaluateJob.run(spark, spec("cityscapes", root,
        data.resolve("cityscapes-predictions").toUri().toString(), PredictionEncoding.LABEL_ID,
        tmp.resolve("a").toUri().toString(), "a", 0), System.err).report();
    MetricReport byTrain = EvaluateJob.run(spark, spec("cityscapes", root,
        data.resolve("cityscapes-predictions-trainid").toUri().toString(), PredictionEncoding.TRAIN_ID,
        tmp.resolve("b").toUri().toString(), "b", 0), System.err).report();
    // A predicted ignored label is a miss either way, so class IoU and iIoU agree; only category iIoU may
    // differ, since a predicted caravan hits "vehicle" in label ids and is lost in train ids.
    for (int c = 0; c < 19; c++) {
      assertEquals(byLabel.classes().get(c).iou(), byTrain.classes().get(c).iou(), 0, "class " + c);
      assertEquals(byLabel.classes().get(c).iiou(), byTrain.classes().get(c).iiou(), 0, "class " + c);
    }
    assertEquals(byLabel.meanIou(), byTrain.meanIou(), 0);
    assertTrue(byLabel.categoryMeanInstanceIou() >= byTrain.categoryMeanInstanceIou());
  }

  @Test
  void rerunWithTheSameRunIdReplacesItsRows() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path data = Fixtures.synth();
    String out = tmp.resolve("out").toUri().toString();
    for (String runId : new String[] {"r1", "r2", "r1"}) {
      EvaluateJob.run(spark, spec("voc2012", data.resolve("voc2012").toUri().toString(),
          data.resolve("voc2012-predictions").toUri().toString(), PredictionEncoding.LABEL_ID, out, runId, 0),
          System.err);
    }
    Dataset<Row> summary = spark.read().parquet(out + "/summary");
    assertEquals(2, summary.count());
    assertEquals(12, spark.read().parquet(out + "/images").count());
    assertEquals(1, summary.filter("run_id = 'r1'").count());
    assertNotNull(spark.read().parquet(out + "/classes").filter("run_id = 'r2'").first());
  }

  @Test
  void concurrentRunsIntoOneOutputEachKeepTheirOwnSummary() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path data = Fixtures.synth();
    Path out = tmp.resolve("shared");
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var voc = pool.submit(() -> EvaluateJob.run(spark, spec("voc2012", data.resolve("voc2012").toUri().toString(),
          data.resolve("voc2012-predictions").toUri().toString(), PredictionEncoding.LABEL_ID, out.toUri().toString(),
          "voc-run", 0), System.err));
      var ade = pool.submit(() -> EvaluateJob.run(spark, spec("ade20k", data.resolve("ade20k").toUri().toString(),
          data.resolve("ade20k-predictions").toUri().toString(), PredictionEncoding.LABEL_ID, out.toUri().toString(),
          "ade-run", 0), System.err));
      double vocMiou = voc.get().report().meanIou();
      double adeMiou = ade.get().report().meanIou();
      ObjectMapper json = new ObjectMapper();
      JsonNode vocSummary = json.readTree(Files.readAllBytes(out.resolve("runs/voc-run/summary.json")));
      JsonNode adeSummary = json.readTree(Files.readAllBytes(out.resolve("runs/ade-run/summary.json")));
      assertEquals("voc-run", vocSummary.at("/runId").asText());
      assertEquals(vocMiou, vocSummary.at("/metrics/mIoU").asDouble(), 0);
      assertEquals("ade-run", adeSummary.at("/runId").asText());
      assertEquals(adeMiou, adeSummary.at("/metrics/mIoU").asDouble(), 0);
      String latest = json.readTree(Files.readAllBytes(out.resolve("summary.json"))).at("/runId").asText();
      assertTrue(latest.equals("voc-run") || latest.equals("ade-run"), latest);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRunThatDiesWhileWritingLeavesNoSummary() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path data = Fixtures.synth();
    Path out = tmp.resolve("out");
    EvaluationSpec ok = spec("voc2012", data.resolve("voc2012").toUri().toString(),
        data.resolve("voc2012-predictions").toUri().toString(), PredictionEncoding.LABEL_ID, out.toUri().toString(),
        "complete", 0);
    EvaluateJob.run(spark, ok, System.err);
    assertTrue(Files.exists(out.resolve("summary.json")));
    // A file where the categories/ table must go makes the next run fail after it has written images/.
    try (var old = Files.walk(out.resolve("categories"))) {
      for (Path p : (Iterable<Path>) old.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
    Files.writeString(out.resolve("categories"), "in the way");
    EvaluationSpec doomed = spec("voc2012", data.resolve("voc2012").toUri().toString(),
        data.resolve("voc2012-predictions").toUri().toString(), PredictionEncoding.LABEL_ID, out.toUri().toString(),
        "complete", 0);
    org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> EvaluateJob.run(spark, doomed, System.err));
    assertTrue(Files.exists(out.resolve("images/run_id=complete")), "the run got as far as images/");
    assertTrue(!Files.exists(out.resolve("summary.json")), "no summary.json next to a partial rewrite");
  }
}
