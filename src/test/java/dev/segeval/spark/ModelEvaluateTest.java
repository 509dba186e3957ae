package dev.segeval.spark;

import dev.segeval.scoring.EvaluationSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.imaging.PngEncoder;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.MetricReport;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.SequentialEvaluator;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluate job running a TorchScript model on the executors, in one pass with scoring. */
class ModelEvaluateTest {
  @TempDir
  static Path data;
  @TempDir
  Path tmp;

  @BeforeAll
  static void synthesise() throws Exception {
    SyntheticDatasets.cityscapes(data.toUri().toString(),
        new SyntheticDatasets.Options(5, 96, 64, 5, "val"), new Configuration());
  }

  static InferenceOptions options(String model, String save, long maxPixels) {
    return new InferenceOptions(model, new ProtocolSettings(new double[] {1.0, 0.75}, FlipMode.AVERAGE, 33, 33, 96,
        2.0 / 3, 3), "auto", 1, maxPixels, save, true);
  }

  EvaluationSpec spec(InferenceOptions o, String runId) {
    return new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(), "val",
        new ModelPredictions(o), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
        tmp.resolve("out").toUri().toString(), runId, 2, true);
  }

  @Test
  void sparkInferenceEqualsSequentialAndSavedPredictionsRescoreIdentically() throws Exception {
    String model = Fixtures.resource("/models/conv19.pt").toUri().toString();
    String saved = tmp.resolve("saved").toUri().toString();
    EvaluateJob.Outcome outcome = EvaluateJob.run(SparkTestSession.get(), spec(options(model, saved, 1 << 24), "m"),
        System.err);
    assertEquals(5, outcome.run().okCount(), String.valueOf(outcome.run().failures()));

    Configuration conf = new Configuration();
    ClassSpace space = new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.TRAIN_ID);
    EvaluationSpec seqSpec = spec(options(model, null, 1 << 24), "s");
    SequentialEvaluator.Result seq = SequentialEvaluator.evaluate(space,
        ((ModelPredictions) seqSpec.predictions()).withSpace(space), dev.segeval.scoring.RunPlanner.plan(seqSpec, conf).tasks(), conf);
    assertEquals(seq.aggregate().stats(), outcome.aggregate().stats(), "Spark and sequential inference differ");

    // The saved masks are in Cityscapes label ids (the official submission format): scoring them as a
    // prediction folder gives the same class scores.
    assertEquals(5, Files.list(tmp.resolve("saved/ids")).count());
    assertEquals(5, Files.list(tmp.resolve("saved/color")).count());
    EvaluationSpec folder = new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(),
        "val", new FolderPredictions(tmp.resolve("saved/ids").toUri().toString()), PredictionEncoding.LABEL_ID,
        AbsentClassPolicy.EXCLUDE, tmp.resolve("out2").toUri().toString(), "f", 2, true);
    MetricReport rescored = EvaluateJob.run(SparkTestSession.get(), folder, System.err).report();
    for (int c = 0; c < 19; c++) {
      assertEquals(outcome.report().classes().get(c).iou(), rescored.classes().get(c).iou(), 0, "class " + c);
      assertEquals(outcome.report().classes().get(c).iiou(), rescored.classes().get(c).iiou(), 0, "class " + c);
    }
  }

  @Test
  void wrongClassCountFailsBeforeTheJob() {
    String model = Fixtures.resource("/models/conv7.pt").toUri().toString();
    dev.segeval.scoring.EvaluationException e = assertThrows(dev.segeval.scoring.EvaluationException.class,
        () -> EvaluateJob.run(SparkTestSession.get(), spec(options(model, null, 1 << 24), "w"), System.err));
    assertTrue(e.getMessage().contains("predicts 7 classes but dataset 'cityscapes' has 19"), e.getMessage());
  }

  @Test
  void undecodableAndHugeImagesFailAlone() throws Exception {
    Path copy = tmp.resolve("copy");
    Fixtures.copyTree(data, copy);
    Path images = copy.resolve("cityscapes/leftImg8bit/val");
    Path first = images.resolve("frankfurt/frankfurt_000000_000019_leftImg8bit.png");
    byte[] bytes = Files.readAllBytes(first);
    Files.write(first, Arrays.copyOf(bytes, 100));
    String model = Fixtures.resource("/models/conv19.pt").toUri().toString();
    EvaluationSpec s = new EvaluationSpec("cityscapes", null, copy.resolve("cityscapes").toUri().toString(), "val",
        new ModelPredictions(options(model, null, 96 * 64 - 1)), PredictionEncoding.TRAIN_ID,
        AbsentClassPolicy.EXCLUDE, tmp.resolve("o").toUri().toString(), "h", 2, true);
    // The size is checked from the PNG header, before anything is decoded. Every image is above the 6143-pixel
    // limit: one systematic error with the fix, not five image failures.
    dev.segeval.scoring.EvaluationException e = assertThrows(dev.segeval.scoring.EvaluationException.class,
        () -> EvaluateJob.run(SparkTestSession.get(), s, System.err));
    assertTrue(e.getMessage().startsWith("Cannot score: all 5 images failed with image-too-large, e.g. "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("image of 96x64 pixels exceeds --max-image-pixels 6143; raise "
        + "--max-image-pixels if the executors have the memory for such images."), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("o/summary.json")));

    // With a normal limit only the truncated image fails.
    Files.write(images.resolve("lindau/lindau_000000_000020_leftImg8bit.png"),
        PngEncoder.encodeRgb(4, 4, new int[16]));
    EvaluationSpec ok = new EvaluationSpec("cityscapes", null, copy.resolve("cityscapes").toUri().toString(), "val",
        new ModelPredictions(options(model, null, 1 << 24)), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
        tmp.resolve("o2").toUri().toString(), "h2", 2, true);
    EvaluateJob.Outcome o2 = EvaluateJob.run(SparkTestSession.get(), ok, System.err);
    assertEquals(2, o2.run().failedCount(), String.valueOf(o2.run().failures()));
    assertTrue(o2.run().failures().stream().anyMatch(f -> f.error().contains("frankfurt_000000_000019_leftImg8bit.png")
        && f.error().toLowerCase(java.util.Locale.ROOT).contains("truncated")), String.valueOf(o2.run().failures()));
    assertTrue(o2.run().failures().stream().anyMatch(f -> f.error().contains("image is 4x4 but its labels are 96x64")),
        String.valueOf(o2.run().failures()));
  }
}
