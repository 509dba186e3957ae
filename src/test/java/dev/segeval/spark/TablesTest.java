package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.synth.SyntheticDatasets;
import dev.segeval.tables.PaperTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tables} on the demo model and synthetic data: the demo rows measured exactly as evaluate measures them,
 * every paper row 'not run' or 'test server' (never a zero), and a rerun reuses the finished runs.
 */
class TablesTest {
  @TempDir
  Path tmp;

  @Test
  void demoRowsMeasuredPaperRowsExplainedAndRerunsReused() throws Exception {
    Path data = tmp.resolve("data");
    SyntheticDatasets.cityscapes(data.toUri().toString(), new SyntheticDatasets.Options(8, 256, 128, 7, "val"),
        new Configuration());
    Map<String, String> models = PaperTable.models(Path.of("conf/tables/models.properties"));
    Map<String, String> roots = Map.of("cityscapes", data.resolve("cityscapes").toString());
    String out = tmp.resolve("tables").toString();
    PaperTable demo = PaperTable.read(Path.of("conf/tables/demo.csv"));
    List<TablesJob.Result> first = TablesJob.run(SparkTestSession.get(), demo, models, roots, out, System.err);
    assertEquals(2, first.size());
    for (TablesJob.Result r : first) {
      assertEquals(TablesJob.State.MEASURED, r.state(), String.valueOf(r));
      assertEquals(0, r.resumedImages());
    }
    // The single-scale row equals evaluate with the same protocol.
    EvaluateJob.Outcome direct = EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null,
        data.resolve("cityscapes").toUri().toString(), "val", new ModelPredictions(new InferenceOptions(
        Path.of("notebooks/models/pspnet-tiny-synth-cityscapes.pt").toAbsolutePath().toUri().toString(),
        new ProtocolSettings(new double[] {1.0}, FlipMode.NONE, 257, 513, 512, 2.0 / 3, 4), "auto", 0,
        100_000_000L, null, false)), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE,
        tmp.resolve("direct").toUri().toString(), "direct", 0, true), System.err);
    assertEquals(direct.report().meanIou(), first.get(0).miou(), 0);
    assertEquals(direct.report().pixelAccuracy(), first.get(0).pixelAccuracy(), 0);

    // Rerun: both rows reuse every committed image (no inference).
    List<TablesJob.Result> again = TablesJob.run(SparkTestSession.get(), demo, models, roots, out, System.err);
    for (int i = 0; i < again.size(); i++) {
      assertEquals(8, again.get(i).resumedImages(), "row " + again.get(i).row().key());
      assertEquals(first.get(i).miou(), again.get(i).miou(), 0);
    }

    // The plan: images, forward crops (scales x windows x flip) and a calibrated estimate per runnable row.
    List<TablesJob.Plan> plan = TablesJob.plan(SparkTestSession.get(), demo, models, roots, System.err);
    TablesJob.Plan ss = plan.get(0);
    TablesJob.Plan ms = plan.get(1);
    assertEquals(8, ss.images());
    assertEquals(8, ss.crops(), "one padded 257x513 window per 256x128 image at scale 1");
    // 0.75, 1.0 and 1.25 of a 512 base: 384x192, 512x256, 640x320 over 257x513 crops, flipped: 2 x (1 + 1 + 4).
    assertEquals(8 * 2 * (1 + 1 + 4), ms.crops());
    assertTrue(ms.secondsPerImage() > 0 && ms.estimatedSeconds() > 0, String.valueOf(ms));
    assertTrue(TablesJob.planMarkdown(demo, plan).contains("| demo-ms | cityscapes val | "), "plan table");

    // The paper's table: nothing measured here, and no row shows a number it did not measure.
    PaperTable paper = PaperTable.read(Path.of("conf/tables/pspnet-cvpr2017.csv"));
    List<TablesJob.Result> rows = TablesJob.run(SparkTestSession.get(), paper, models, roots, out, System.err);
    assertEquals(11, rows.stream().filter(r -> r.state() == TablesJob.State.TEST_SERVER).count());
    assertEquals(6, rows.stream().filter(r -> r.state() == TablesJob.State.NOT_RUN).count());
    assertTrue(rows.stream().allMatch(r -> Double.isNaN(r.miou())));
    String md = TablesJob.markdown(paper, rows);
    assertTrue(md.contains("| ade-r50-da-al-psp | ResNet50 + DA + AL + PSP | ade20k val | 41.68 | n/a | n/a | 80.04 "
        + "| n/a | n/a | not run: no model given for key 'pspnet50-ade20k' (--models) |  |"), md);
    TablesJob.writeParquet(SparkTestSession.get(), paper, rows, out);
    assertEquals(17, SparkTestSession.get().read().parquet(out + "/table/table=pspnet-cvpr2017").count());
  }

  @Test
  void aTestSplitRowWithAModelBecomesASubmissionPackage() throws Exception {
    Path data = tmp.resolve("test-data");
    SyntheticDatasets.cityscapes(data.toUri().toString(), new SyntheticDatasets.Options(3, 256, 128, 9, "test"),
        new Configuration());
    Path csv = tmp.resolve("t.csv");
    java.nio.file.Files.writeString(csv, String.join(",", PaperTable.HEADER) + "\n"
        + "cs-test,demo,cityscapes,test,tiny PSPNet,tiny,1.0,none,257x513,512,0.5,,,,demo-tiny,\n");
    PaperTable t = PaperTable.read(csv);
    List<TablesJob.Result> r = TablesJob.run(SparkTestSession.get(), t,
        PaperTable.models(Path.of("conf/tables/models.properties")),
        Map.of("cityscapes", data.resolve("cityscapes").toString()), tmp.resolve("out").toString(), System.err);
    assertEquals(TablesJob.State.TEST_SERVER, r.get(0).state());
    assertTrue(r.get(0).reason().startsWith("submitted package: ") && r.get(0).reason().endsWith("/submissions/t-cs-test, "
        + "3 images"), r.get(0).reason());
    assertTrue(Double.isNaN(r.get(0).miou()), "no score for a private split");
  }
}
