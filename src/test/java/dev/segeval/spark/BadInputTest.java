package dev.segeval.spark;

import dev.segeval.scoring.EvaluationSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.cli.SegEval;
import dev.segeval.datasets.Sample;
import dev.segeval.imaging.PngEncoder;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.scoring.ImageResult;
import dev.segeval.scoring.ScoringTask;
import dev.segeval.scoring.SequentialEvaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of bad input fails only its own image, with a message naming the file, and never changes the
 * metrics of the others: the run equals a clean run over the untouched images.
 */
class BadInputTest {
  @TempDir
  Path tmp;
  Path data;
  Path gt;
  Path preds;

  @BeforeEach
  void copyFixture() {
    data = tmp.resolve("data");
    Fixtures.copyTree(Fixtures.synth().resolve("cityscapes"), data.resolve("cityscapes"));
    Fixtures.copyTree(Fixtures.synth().resolve("cityscapes-predictions"), data.resolve("preds"));
    gt = data.resolve("cityscapes/gtFine/val");
    preds = data.resolve("preds");
  }

  EvaluationSpec spec(String runId) {
    return EvaluateJobTest.spec("cityscapes", data.resolve("cityscapes").toUri().toString(),
        preds.toUri().toString(), PredictionEncoding.LABEL_ID, tmp.resolve("out").toUri().toString(), runId, 2);
  }

  /** With and without read-ahead: a file read in the background fails its image exactly as a file read in turn. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(ints = {0, 4})
  void eachBadImageFailsAloneAndNamesItsFile(int readAhead) throws Exception {
    // frankfurt_000000_000019: truncated ground truth.
    Path label = gt.resolve("frankfurt/frankfurt_000000_000019_gtFine_labelIds.png");
    byte[] bytes = Files.readAllBytes(label);
    Files.write(label, Arrays.copyOf(bytes, bytes.length / 2));
    // lindau_000000_000020: prediction of another size.
    Files.write(preds.resolve("lindau/lindau_000000_000020_pred_labelIds.png"),
        PngEncoder.encodeGray8(10, 10, new int[100]));
    // munster_000000_000021: missing prediction.
    Files.delete(preds.resolve("munster/munster_000000_000021_pred_labelIds.png"));
    // frankfurt_000001_000022: a prediction value outside the labels table (label ids stop at 33).
    int[] bad = new int[256 * 128];
    Arrays.fill(bad, 7);
    bad[300] = 200;
    Files.write(preds.resolve("frankfurt/frankfurt_000001_000022_pred_labelIds.png"),
        PngEncoder.encodeGray8(256, 128, bad));
    // lindau_000001_000023: two predictions match the official <stem>*.png pattern.
    Files.copy(preds.resolve("lindau/lindau_000001_000023_pred_labelIds.png"),
        preds.resolve("lindau_000001_000023_copy.png"));

    EvaluateJob.Outcome outcome = EvaluateJob.run(SparkTestSession.get(), spec("bad"),
        RunOptions.DEFAULTS.withReadAhead(readAhead), System.err);
    assertEquals(6, outcome.run().imageCount());
    assertEquals(5, outcome.run().failedCount());
    Map<String, String> errors = new HashMap<>();
    for (var f : outcome.run().failures()) {
      errors.put(f.id(), f.error());
    }
    assertTrue(errors.get("frankfurt_000000_000019").contains("frankfurt_000000_000019_gtFine_labelIds.png"));
    assertTrue(errors.get("frankfurt_000000_000019").toLowerCase().contains("truncated"),
        errors.get("frankfurt_000000_000019"));
    assertTrue(errors.get("lindau_000000_000020").contains("prediction is 10x10 but the ground truth is 256x128"),
        errors.get("lindau_000000_000020"));
    assertTrue(errors.get("munster_000000_000021").contains("no prediction matching munster_000000_000021*.png"),
        errors.get("munster_000000_000021"));
    assertTrue(errors.get("frankfurt_000001_000022").contains("frankfurt_000001_000022_pred_labelIds.png: "
        + "prediction value 200 at pixel (x=44, y=1)"), errors.get("frankfurt_000001_000022"));
    assertTrue(errors.get("lindau_000001_000023").contains("ambiguous prediction: 2 files match"),
        errors.get("lindau_000001_000023"));

    // The one good image scores exactly as when it is evaluated alone.
    Configuration conf = new Configuration();
    List<ScoringTask> good = dev.segeval.scoring.RunPlanner.plan(spec("x"), conf).tasks().stream()
        .filter(t -> t.sample().id().equals("munster_000001_000024")).collect(Collectors.toList());
    SequentialEvaluator.Result alone = SequentialEvaluator.evaluate(outcome.space(), spec("x").predictions(), good,
        conf);
    assertEquals(1, alone.aggregate().okImages());
    assertEquals(alone.aggregate().stats(), outcome.aggregate().stats());

    // images/ records every failure with its status and message.
    List<Row> rows = SparkTestSession.get().read().parquet(tmp.resolve("out/images").toString())
        .filter("status = 'failed'").collectAsList();
    assertEquals(5, rows.size());
    for (Row r : rows) {
      assertEquals(errors.get(r.<String>getAs("image_id")), r.getAs("error"));
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(ints = {0, 4})
  void missingInstanceFileFailsTheImage(int readAhead) throws Exception {
    Files.delete(gt.resolve("munster/munster_000001_000024_gtFine_instanceIds.png"));
    EvaluateJob.Outcome outcome = EvaluateJob.run(SparkTestSession.get(), spec("inst"),
        RunOptions.DEFAULTS.withReadAhead(readAhead), System.err);
    assertEquals(1, outcome.run().failedCount());
    assertTrue(outcome.run().failures().get(0).error().contains("munster_000001_000024_gtFine_instanceIds.png"),
        outcome.run().failures().get(0).error());
  }

  @Test
  void labelValuesOutsideTheTableFailTheImage() throws Exception {
    Path label = gt.resolve("lindau/lindau_000000_000020_gtFine_labelIds.png");
    int[] values = new int[256 * 128];
    Arrays.fill(values, 7);
    values[5] = 77;
    Files.write(label, PngEncoder.encodeGray8(256, 128, values));
    SequentialEvaluator.Result r = SequentialEvaluator.evaluate(
        new dev.segeval.labels.ClassSpace(dev.segeval.labels.LabelTable.builtIn("cityscapes"),
            PredictionEncoding.LABEL_ID), spec("y").predictions(),
        List.of(new ScoringTask(new Sample("lindau_000000_000020", null, label.toUri().toString(), null),
            preds.resolve("lindau/lindau_000000_000020_pred_labelIds.png").toUri().toString(), null)),
        new Configuration());
    ImageResult img = r.images().get(0);
    assertEquals(ImageResult.Status.FAILED, img.status());
    assertTrue(img.error().contains("lindau_000000_000020_gtFine_labelIds.png: ground-truth label value 77 at pixel "
        + "(x=5, y=0)"), img.error());
  }

  @Test
  void emptySplitAndUnknownDatasetAreClearErrors() {
    EvaluationSpec empty = new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(),
        "test", spec("z").predictions(), PredictionEncoding.LABEL_ID,
        dev.segeval.metrics.AbsentClassPolicy.EXCLUDE, tmp.resolve("o").toUri().toString(), "z", 0, true);
    dev.segeval.scoring.EvaluationException e = assertThrows(dev.segeval.scoring.EvaluationException.class,
        () -> EvaluateJob.run(SparkTestSession.get(), empty, System.err));
    assertTrue(e.getMessage().contains("no images in split 'test'"), e.getMessage());
    assertTrue(e.getMessage().contains("gtFine/test/<city>"), e.getMessage());
    assertEquals(SegEval.EXIT_USAGE, SegEval.execute("evaluate", "--dataset", "kitti", "--data-root", "x",
        "--predictions", "y", "--output", tmp.resolve("o2").toString()));
    assertEquals(SegEval.EXIT_USAGE, SegEval.execute("evaluate", "--dataset", "cityscapes", "--data-root",
        data.resolve("cityscapes").toString(), "--split", "test", "--predictions", preds.toString(), "--output",
        tmp.resolve("o3").toString()));
    assertEquals(SegEval.EXIT_USAGE, SegEval.execute("evaluate", "--dataset", "cityscapes", "--data-root",
        data.resolve("cityscapes").toString(), "--predictions", preds.toString(), "--prediction-encoding", "rgb",
        "--output", tmp.resolve("o4").toString()));
    assertTrue(!Files.exists(tmp.resolve("o3/summary.json")), "a failed run writes no summary.json");
  }

  @Test
  void exitCodeIsNonZeroWhenImagesFailUnlessAllowed() throws Exception {
    Files.delete(preds.resolve("munster/munster_000000_000021_pred_labelIds.png"));
    String[] args = {"evaluate", "--dataset", "cityscapes", "--data-root", data.resolve("cityscapes").toString(),
        "--predictions", preds.toString(), "--output", tmp.resolve("cli").toString(), "--run-id", "cli", "--quiet"};
    assertEquals(SegEval.EXIT_IMAGES_FAILED, SegEval.execute(args));
    String[] allowed = Arrays.copyOf(args, args.length + 1);
    allowed[args.length] = "--allow-failures";
    assertEquals(SegEval.EXIT_OK, SegEval.execute(allowed));
    String json = Files.readString(tmp.resolve("cli/summary.json"));
    assertTrue(json.contains("\"failed\" : 1"), json);
  }
}
