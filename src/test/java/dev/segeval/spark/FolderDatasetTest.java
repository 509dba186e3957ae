package dev.segeval.spark;

import dev.segeval.scoring.EvaluationSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.segeval.imaging.PngEncoder;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.MetricReport;
import dev.segeval.scoring.FolderPredictions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A custom dataset with its own labels table, end to end through Spark, against hand-computed values. */
class FolderDatasetTest {
  @TempDir
  Path tmp;

  @Test
  void customLabelsTableAndFolderPairs() throws Exception {
    Files.writeString(tmp.resolve("labels.csv"),
        "name,id,trainId,ignoreInEval\nbackground,0,0,false\nleaf,1,1,false\nunknown,9,255,true\n");
    Files.createDirectories(tmp.resolve("data/labels/val"));
    Files.createDirectories(tmp.resolve("preds"));
    // Image a: 4 px, gt 0 0 1 9 ; pred 0 1 1 1 -> background tp 1 fn 1, leaf tp 1 fp 1; the 9 is ignored.
    Files.write(tmp.resolve("data/labels/val/a.png"), PngEncoder.encodeGray8(2, 2, new int[] {0, 0, 1, 9}));
    Files.write(tmp.resolve("preds/a.png"), PngEncoder.encodeGray8(2, 2, new int[] {0, 1, 1, 1}));
    // Image b: gt 1 1 1 1 ; pred 1 1 1 0 -> leaf tp 3 fn 1, background fp 1.
    Files.write(tmp.resolve("data/labels/val/b.png"), PngEncoder.encodeGray8(2, 2, new int[] {1, 1, 1, 1}));
    Files.write(tmp.resolve("preds/b.png"), PngEncoder.encodeGray8(2, 2, new int[] {1, 1, 1, 0}));
    EvaluationSpec spec = new EvaluationSpec("folder", tmp.resolve("labels.csv").toUri().toString(),
        tmp.resolve("data").toUri().toString(), "val", new FolderPredictions(tmp.resolve("preds").toUri().toString()),
        PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, tmp.resolve("out").toUri().toString(), "f", 2, true);
    MetricReport r = EvaluateJob.run(SparkTestSession.get(), spec, System.err).report();
    // background: tp 1, fn 1, fp 1 -> 1/3; leaf: tp 4, fn 1, fp 1 -> 4/6.
    assertEquals(1.0 / 3, r.classes().get(0).iou(), 1e-15);
    assertEquals(4.0 / 6, r.classes().get(1).iou(), 1e-15);
    assertEquals((1.0 / 3 + 4.0 / 6) / 2, r.meanIou(), 1e-15);
    assertEquals(5.0 / 7, r.pixelAccuracy(), 1e-15);
    assertEquals(1, r.ignoredPixels());
  }
}
