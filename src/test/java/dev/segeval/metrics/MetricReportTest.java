package dev.segeval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.labels.ClassSpace;
import org.junit.jupiter.api.Test;

/** Every value below is computed by hand from the 13-pixel image in {@link #score}. */
class MetricReportTest {
  private static final double EPS = 1e-12;

  // Columns of the tiny space: 0 a, 1 b, 2 c, 3 d, 4 absent, 5 void (id 0), 6 e (id 5).
  static SegmentationStats score() throws InvalidPixelException {
    int[] gt = {0, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5};
    // Instance 3001 (class c, 4 px) is split over c, d and the ignored e; 4001 is a one-pixel d;
    // the last d pixel is a crowd region (plain label id 4); 5001 is an instance of the ignored label e.
    int[] inst = {0, 1, 1, 1, 2, 2, 3001, 3001, 3001, 3001, 4001, 4, 5001};
    int[] pred = {1, 1, 2, 0, 2, 2, 3, 3, 4, 5, 4, 3, 3};
    return new PixelScorer(TinyTables.space()).score(gt, pred, inst, 13);
  }

  @Test
  void confusionMatrixSkipsIgnoredGroundTruthAndKeepsIgnoredPredictions() throws Exception {
    ConfusionMatrix m = score().confusion();
    assertEquals(5, m.rows());
    assertEquals(7, m.columns());
    long[][] expected = {
        {1, 1, 0, 0, 0, 1, 0},
        {0, 2, 0, 0, 0, 0, 0},
        {0, 0, 2, 1, 0, 0, 1},
        {0, 0, 1, 1, 0, 0, 0},
        {0, 0, 0, 0, 0, 0, 0}};
    for (int r = 0; r < 5; r++) {
      for (int c = 0; c < 7; c++) {
        assertEquals(expected[r][c], m.get(r, c), "cell " + r + "," + c);
      }
    }
    assertEquals(2, score().ignoredPixels());
  }

  @Test
  void perClassScores() throws Exception {
    MetricReport r = MetricReport.compute(TinyTables.space(), score(), AbsentClassPolicy.EXCLUDE);
    var a = r.classes().get(0);
    assertEquals(1, a.truePositives());
    assertEquals(0, a.falsePositives());
    assertEquals(2, a.falseNegatives()); // includes the predicted void pixel
    assertEquals(1.0 / 3, a.iou(), EPS);
    assertEquals(1.0 / 3, a.accuracy(), EPS);
    assertEquals(1.0, a.precision(), EPS);
    assertEquals(0.5, a.dice(), EPS);
    var b = r.classes().get(1);
    assertEquals(2.0 / 3, b.iou(), EPS);
    assertEquals(1.0, b.accuracy(), EPS);
    assertEquals(2.0 / 3, b.precision(), EPS);
    assertEquals(0.8, b.dice(), EPS);
    assertEquals(0.4, r.classes().get(2).iou(), EPS);
    assertEquals(0.5, r.classes().get(2).accuracy(), EPS);
    assertEquals(1.0 / 3, r.classes().get(3).iou(), EPS);
    assertTrue(Double.isNaN(r.classes().get(4).iou()), "absent class has no IoU");
    assertTrue(Double.isNaN(r.classes().get(4).accuracy()));
  }

  @Test
  void headlineMetricsExcludeAbsentClasses() throws Exception {
    MetricReport r = MetricReport.compute(TinyTables.space(), score(), AbsentClassPolicy.EXCLUDE);
    assertEquals((1.0 / 3 + 2.0 / 3 + 0.4 + 1.0 / 3) / 4, r.meanIou(), EPS);
    assertEquals(6.0 / 11, r.pixelAccuracy(), EPS);
    assertEquals((1.0 / 3 + 1.0 + 0.5 + 0.5) / 4, r.meanAccuracy(), EPS);
    double fw = 3.0 / 11 * (1.0 / 3) + 2.0 / 11 * (2.0 / 3) + 4.0 / 11 * 0.4 + 2.0 / 11 * (1.0 / 3);
    assertEquals(fw, r.frequencyWeightedIou(), EPS);
    assertEquals(11, r.evaluatedPixels());
    assertEquals(6, r.correctPixels());
  }

  @Test
  void countAsZeroReproducesThePspnetFormula() throws Exception {
    MetricReport r = MetricReport.compute(TinyTables.space(), score(), AbsentClassPolicy.COUNT_AS_ZERO);
    double e = 1e-10;
    double miou = (1 / (3 + e) + 2 / (3 + e) + 2 / (5 + e) + 1 / (3 + e) + 0 / (0 + e)) / 5;
    double macc = (1 / (3 + e) + 2 / (2 + e) + 2 / (4 + e) + 1 / (2 + e) + 0 / (0 + e)) / 5;
    assertEquals(miou, r.meanIou(), 0);
    assertEquals(macc, r.meanAccuracy(), 0);
    assertEquals(6 / (11 + e), r.pixelAccuracy(), 0);
    assertEquals(0.0, r.classes().get(4).iou(), 0);
  }

  @Test
  void instanceScoresFollowCityscapesWeighting() throws Exception {
    SegmentationStats s = score();
    InstanceStats inst = s.instances();
    // 3001: size 4, weight 10/4; 2 px predicted c.
    assertEquals(2, inst.classTp(2));
    assertEquals(2, inst.classFn(2));
    assertEquals(5.0, inst.classTpWeighted(2), EPS);
    assertEquals(5.0, inst.classFnWeighted(2), EPS);
    // 4001: size 1, weight 4; the crowd pixel (plain 4) is no instance.
    assertEquals(1, inst.classTp(3));
    assertEquals(0, inst.classFn(3));
    assertEquals(4.0, inst.classTpWeighted(3), EPS);
    assertEquals(2, inst.instances(), "the instance of ignored label e is skipped");
    MetricReport r = MetricReport.compute(TinyTables.space(), s, AbsentClassPolicy.EXCLUDE);
    assertEquals(5.0 / 11, r.classes().get(2).iiou(), EPS); // 5 / (5 + fp 1 + 5)
    assertEquals(4.0 / 5, r.classes().get(3).iiou(), EPS); // 4 / (4 + fp 1 + 0)
    assertTrue(Double.isNaN(r.classes().get(0).iiou()));
    assertEquals((5.0 / 11 + 0.8) / 2, r.meanInstanceIou(), EPS);
  }

  @Test
  void categoryScores() throws Exception {
    ClassSpace space = TinyTables.space();
    assertEquals(java.util.List.of("flat", "thing", "other"), space.categories());
    SegmentationStats s = score();
    // Category hits count predictions of c, d and the ignored e: all 4 px of 3001 and the 4001 pixel.
    assertEquals(5, s.instances().categoryTp(1));
    assertEquals(0, s.instances().categoryFn(1));
    assertEquals(10.0 + 4.0, s.instances().categoryTpWeighted(1), EPS); // 4 px x 10/4 + 1 px x 4/1
    MetricReport r = MetricReport.compute(space, s, AbsentClassPolicy.EXCLUDE);
    assertEquals(0.8, r.categories().get(0).iou(), EPS); // flat: tp 4, fn 1, fp 0
    assertEquals(5.0 / 6, r.categories().get(1).iou(), EPS); // thing: tp 5, fn 1 (predicted e), fp 0
    assertTrue(Double.isNaN(r.categories().get(0).iiou()), "flat has no instances");
    assertEquals(1.0, r.categories().get(1).iiou(), EPS); // 14 / (14 + 0 + 0)
    assertTrue(Double.isNaN(r.categories().get(2).iou()), "category of an absent class");
    assertEquals((0.8 + 5.0 / 6) / 2, r.categoryMeanIou(), EPS);
    assertEquals(1.0, r.categoryMeanInstanceIou(), EPS);
  }

  @Test
  void invalidValuesNameThePixel() {
    PixelScorer scorer = new PixelScorer(TinyTables.space());
    InvalidPixelException e = assertThrows(InvalidPixelException.class,
        () -> scorer.score(new int[] {1, 1, 1, 1}, new int[] {1, 1, 1, 9}, null, 2));
    assertEquals("prediction value 9 at pixel (x=1, y=1): expected label ids of the 'tiny' labels table",
        e.getMessage());
    e = assertThrows(InvalidPixelException.class,
        () -> scorer.score(new int[] {1, 7, 1, 1}, new int[] {1, 1, 1, 1}, null, 2));
    assertTrue(e.getMessage().startsWith("ground-truth label value 7 at pixel (x=1, y=0)"), e.getMessage());
    e = assertThrows(InvalidPixelException.class,
        () -> scorer.score(new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1001}, 2));
    assertTrue(e.getMessage().contains("instance id value 1001"), e.getMessage());
  }

  @Test
  void emptyStatisticsGiveNaNNotZero() {
    SegmentationStats empty = new PixelScorer(TinyTables.space()).emptyStats();
    MetricReport r = MetricReport.compute(TinyTables.space(), empty, AbsentClassPolicy.EXCLUDE);
    assertTrue(Double.isNaN(r.meanIou()));
    assertTrue(Double.isNaN(r.pixelAccuracy()));
    assertTrue(Double.isNaN(r.meanInstanceIou()));
  }
}
