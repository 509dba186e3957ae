package dev.segeval.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelCache;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.spark.Fixtures;
import dev.segeval.spark.SparkTestSession;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML parts over the synthetic Cityscapes set, against the evaluate job on the same files: the evaluator's
 * metrics equal evaluate's exactly, the segmenter's masks equal evaluate --model --save-predictions' pixel for
 * pixel, a saved and reloaded segmenter gives the same masks, and the SQL functions give the same values per group.
 */
class SparkMlPipelineTest {
  @TempDir
  static Path data;
  @TempDir
  Path tmp;

  static final String ID = "([a-z]+_[0-9]+_[0-9]+)_";

  @BeforeAll
  static void synthesise() throws Exception {
    SyntheticDatasets.cityscapes(data.toUri().toString(), new SyntheticDatasets.Options(8, 96, 64, 9, "val"),
        new Configuration());
  }

  static String model() {
    return Fixtures.resource("/models/conv19.pt").toUri().toString();
  }

  static ProtocolSettings protocol() {
    return new ProtocolSettings(new double[] {1.0, 0.75}, FlipMode.AVERAGE, 33, 33, 96, 2.0 / 3, 3);
  }

  /** Files under a folder as (id, bytes), the id taken from Cityscapes' file names. */
  static Dataset<Row> files(SparkSession spark, String glob, String column) {
    return spark.read().format("binaryFile").load(data.resolve(glob).toString())
        .select(functions.regexp_extract(functions.col("path"), ID, 1).as("id"),
            functions.col("content").as(column));
  }

  /** Label, instance and prediction PNGs of every image, joined by id. */
  static Dataset<Row> masks(SparkSession spark, String predictionsGlob) {
    return files(spark, "cityscapes/gtFine/val/*/*_labelIds.png", "label")
        .join(files(spark, "cityscapes/gtFine/val/*/*_instanceIds.png", "instances"), "id")
        .join(files(spark, predictionsGlob, "prediction"), "id");
  }

  EvaluateJob.Outcome evaluate(String runId, dev.segeval.scoring.PredictionSource predictions,
                               PredictionEncoding encoding) throws Exception {
    return EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null,
        data.resolve("cityscapes").toUri().toString(), "val", predictions, encoding, AbsentClassPolicy.EXCLUDE,
        tmp.resolve("out").toUri().toString(), runId, 2, true), System.err);
  }

  @Test
  void theEvaluatorEqualsEvaluateExactlyOnTheSameMasks() throws Exception {
    SparkSession spark = SparkTestSession.get();
    EvaluateJob.Outcome cli = evaluate("folder", new FolderPredictions(
        data.resolve("cityscapes-predictions").toUri().toString()), PredictionEncoding.LABEL_ID);
    Dataset<Row> masks = masks(spark, "cityscapes-predictions/*/*.png").repartition(3);
    SegmentationEvaluator evaluator = new SegmentationEvaluator().setDataset("cityscapes").setLabelCol("label")
        .setPredictionCol("prediction").setInstanceCol("instances").setIdCol("id");
    assertEquals(cli.report().meanIou(), evaluator.setMetricName("mIoU").evaluate(masks));
    assertEquals(cli.report().pixelAccuracy(), evaluator.setMetricName("pixelAccuracy").evaluate(masks));
    assertEquals(cli.report().meanAccuracy(), evaluator.setMetricName("meanAccuracy").evaluate(masks));
    assertEquals(cli.report().frequencyWeightedIou(), evaluator.setMetricName("fwIoU").evaluate(masks));
    assertEquals(cli.report().meanInstanceIou(), evaluator.setMetricName("iIoU").evaluate(masks));
    assertEquals(cli.report().categoryMeanInstanceIou(), evaluator.setMetricName("categoryIIoU").evaluate(masks));
    assertTrue(cli.report().meanInstanceIou() > 0 && cli.report().meanIou() > 0);
    // Order and partitioning do not matter: the merge is exact.
    assertEquals(cli.report().meanInstanceIou(),
        evaluator.setMetricName("iIoU").evaluate(masks.repartition(1).orderBy(functions.col("id").desc())));

    // The per-class report has evaluate's classes/ columns and values.
    List<Row> perClass = evaluator.classReport(masks).orderBy("class_index").collectAsList();
    Dataset<Row> stored = spark.read().parquet(tmp.resolve("out/classes").toString())
        .where("run_id = 'folder'").drop("run_id").orderBy("class_index");
    assertEquals(List.of(stored.columns()), List.of(evaluator.classReport(masks).columns()));
    assertEquals(stored.collectAsList(), perClass);

    // The SQL aggregate functions, per group of an existing table of masks.
    SegEvalFunctions.register(spark, "cityscapes", "labelId");
    masks.withColumn("model", functions.lit("a"))
        .unionByName(masks.where("id < 'lindau'").withColumn("model", functions.lit("b")))
        .createOrReplaceTempView("masks");
    Map<String, Row> byModel = new HashMap<>();
    for (Row r : spark.sql("SELECT model, segeval_miou(label, prediction) AS miou, "
        + "segeval_pixel_accuracy(label, prediction) AS acc, segeval_iiou(label, prediction, instances) AS iiou "
        + "FROM masks GROUP BY model").collectAsList()) {
      byModel.put(r.getString(0), r);
    }
    assertEquals(cli.report().meanIou(), byModel.get("a").getDouble(1));
    assertEquals(cli.report().pixelAccuracy(), byModel.get("a").getDouble(2));
    assertEquals(cli.report().meanInstanceIou(), byModel.get("a").getDouble(3));
    Dataset<Row> subset = masks.where("id < 'lindau'");
    assertEquals(evaluator.setMetricName("mIoU").evaluate(subset), byModel.get("b").getDouble(1));
    assertEquals(evaluator.setMetricName("iIoU").evaluate(subset), byModel.get("b").getDouble(3));
  }

  @Test
  void badMasksFailTheEvaluationNamingTheRowInsteadOfChangingTheMetric() {
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> masks = masks(spark, "cityscapes-predictions/*/*.png");
    Dataset<Row> broken = masks.withColumn("prediction", functions.when(functions.col("id").startsWith("lindau"),
        functions.lit(new byte[] {1, 2, 3})).otherwise(functions.col("prediction")));
    SegmentationEvaluator evaluator = new SegmentationEvaluator().setLabelCol("label").setPredictionCol("prediction")
        .setIdCol("id");
    EvaluationException e = assertThrows(EvaluationException.class, () -> evaluator.evaluate(broken));
    assertTrue(e.getMessage().startsWith("Cannot evaluate: ") && e.getMessage().contains("corrupt-file")
        && e.getMessage().contains("prediction of lindau_"), e.getMessage());
    // Train ids scored as label ids: the systematic check of evaluate, with its fix.
    Dataset<Row> trainIds = masks(spark, "cityscapes-predictions-trainid/*/*.png");
    EvaluationException t = assertThrows(EvaluationException.class, () -> evaluator.evaluate(trainIds));
    assertTrue(t.getMessage().contains("train"), t.getMessage());
    assertEquals(evaluator.setPredictionEncoding("trainId").evaluate(trainIds),
        evaluator.setPredictionEncoding("labelId").evaluate(masks));
    assertThrows(dev.segeval.InvalidSettingException.class, () -> evaluator.setMetricName("accuracy"));
  }

  @Test
  void theSegmentersMasksEqualSavedPredictionsAndSurviveSaveAndLoad() throws Exception {
    SparkSession spark = SparkTestSession.get();
    String saved = tmp.resolve("saved").toUri().toString();
    InferenceOptions options = new InferenceOptions(model(), protocol(), "auto", 0, 1 << 24, saved, false);
    EvaluateJob.Outcome cli = evaluate("model", new ModelPredictions(options), PredictionEncoding.TRAIN_ID);
    assertEquals(8, cli.run().okCount());

    SemanticSegmenter segmenter = new SemanticSegmenter().setModelUri(model()).setDataset("cityscapes")
        .setScales(1.0, 0.75).setFlip("average").setCropSize(33, 33).setBaseSize(96).setStrideRate(2.0 / 3)
        .setBatchSize(3);
    Dataset<Row> images = spark.read().format("binaryFile")
        .load(data.resolve("cityscapes/leftImg8bit/val/*/*.png").toString()).repartition(3);
    int loadsBefore = ModelCache.loadCount();
    List<Row> rows = segmenter.transform(images).select("path", "mask", "mask_error").collectAsList();
    assertTrue(ModelCache.loadCount() - loadsBefore <= 1, "the model is loaded at most once in this JVM");
    assertEquals(8, rows.size());
    Map<String, byte[]> masks = new HashMap<>();
    for (Row r : rows) {
      assertNull(r.get(2), String.valueOf(r.get(2)));
      String id = r.getString(0).replaceAll(".*/([a-z]+_[0-9]+_[0-9]+)_leftImg8bit.png", "$1");
      masks.put(id, (byte[]) r.get(1));
      IndexImage mine = PngDecoder.decodeIndex((byte[]) r.get(1), id);
      Path file = Files.list(tmp.resolve("saved/ids")).filter(p -> p.getFileName().toString().startsWith(id))
          .findFirst().orElseThrow();
      IndexImage theirs = PngDecoder.decodeIndex(Files.readAllBytes(file), file.toString());
      assertEquals(theirs.width(), mine.width());
      assertArrayEquals(theirs.values(), mine.values(), id);
    }

    // Saved with Spark ML persistence and loaded again: same parameters, same masks.
    String path = tmp.resolve("segmenter").toString();
    segmenter.save(path);
    SemanticSegmenter loaded = SemanticSegmenter.load(path);
    assertEquals(segmenter.uid(), loaded.uid());
    assertArrayEquals(new double[] {1.0, 0.75}, loaded.getOrDefault(loaded.scales()));
    for (Row r : loaded.transform(images).select("path", "mask").collectAsList()) {
      String id = r.getString(0).replaceAll(".*/([a-z]+_[0-9]+_[0-9]+)_leftImg8bit.png", "$1");
      assertArrayEquals(masks.get(id), (byte[]) r.get(1), id);
    }

    // A pipeline binaryFile -> segmenter -> evaluator gives evaluate --model's metrics.
    Dataset<Row> labelled = images.withColumn("id", functions.regexp_extract(functions.col("path"), ID, 1))
        .join(files(spark, "cityscapes/gtFine/val/*/*_labelIds.png", "label"), "id")
        .join(files(spark, "cityscapes/gtFine/val/*/*_instanceIds.png", "instances"), "id");
    PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {segmenter}).fit(labelled);
    Dataset<Row> predicted = pipeline.transform(labelled);
    SegmentationEvaluator evaluator = new SegmentationEvaluator().setDataset("cityscapes")
        .setInstanceCol("instances").setIdCol("id");
    assertEquals(cli.report().meanIou(), evaluator.setMetricName("mIoU").evaluate(predicted));
    assertEquals(cli.report().pixelAccuracy(), evaluator.setMetricName("pixelAccuracy").evaluate(predicted));
    assertEquals(cli.report().meanInstanceIou(), evaluator.setMetricName("iIoU").evaluate(predicted));
    String evaluatorPath = tmp.resolve("evaluator").toString();
    evaluator.save(evaluatorPath);
    assertEquals("iIoU", SegmentationEvaluator.load(evaluatorPath).getMetricName());
  }

  @Test
  void unusableImagesGetANullMaskWithTheReasonAndImageStructsWork() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> images = spark.read().format("binaryFile")
        .load(data.resolve("cityscapes/leftImg8bit/val/*/*.png").toString());
    Dataset<Row> damaged = images.withColumn("content", functions.when(functions.col("path").contains("lindau"),
        functions.lit(new byte[] {(byte) 0x89, 'P', 'N', 'G'})).otherwise(functions.col("content")));
    SemanticSegmenter segmenter = new SemanticSegmenter().setModelUri(model()).setScales(1.0).setFlip("none")
        .setCropSize(33, 33).setBaseSize(96);
    List<Row> rows = segmenter.transform(damaged).select("path", "mask", "mask_error").collectAsList();
    int failed = 0;
    for (Row r : rows) {
      if (r.getString(0).contains("lindau")) {
        failed++;
        assertNull(r.get(1));
        assertTrue(r.getString(2).contains(r.getString(0)), r.getString(2));
      } else {
        assertNotNull(r.get(1));
        assertNull(r.get(2));
      }
    }
    assertTrue(failed > 0);
    // Spark's image source (BGR bytes) gives the masks of the encoded files (train ids without a dataset).
    Dataset<Row> structs = spark.read().format("image").load(data.resolve("cityscapes/leftImg8bit/val").toString()
        + "/*/*.png");
    Map<String, byte[]> fromBytes = new HashMap<>();
    for (Row r : segmenter.transform(images).select("path", "mask").collectAsList()) {
      fromBytes.put(r.getString(0).replaceAll(".*/", ""), (byte[]) r.get(1));
    }
    List<Row> fromStructs = segmenter.copy(new org.apache.spark.ml.param.ParamMap()).setInputCol("image").setIdCol("")
        .transform(structs).select("image.origin", "mask").collectAsList();
    assertEquals(8, fromStructs.size());
    for (Row r : fromStructs) {
      assertArrayEquals(fromBytes.get(r.getString(0).replaceAll(".*/", "")), (byte[]) r.get(1), r.getString(0));
    }
    assertThrows(IllegalArgumentException.class, () -> new SemanticSegmenter().setModelUri(model())
        .setInputCol("nope").transform(images));
    assertFalse(segmenter.transformSchema(images.schema()).getFieldIndex("mask").isEmpty());
  }
}
