package dev.segeval.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.InstanceStats;
import dev.segeval.metrics.MetricReport;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.SequentialEvaluator;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * Agreement, to 1e-9, with numbers produced by the official tools on the committed fixture
 * (notebooks/reference/README.md says how they were produced): cityscapesScripts'
 * evalPixelLevelSemanticLabeling.py for Cityscapes, hszhao/semseg's intersectionAndUnion (PSPNet) and
 * mmsegmentation's formulation for ADE20K and VOC.
 */
class OfficialReferenceTest {
  private static final double TOL = 1e-9;

  static JsonNode reference(String name) throws Exception {
    return new ObjectMapper().readTree(Files.readAllBytes(Fixtures.resource("/fixtures/reference/" + name)));
  }

  static SequentialEvaluator.Result evaluate(String dataset, String preds, PredictionEncoding encoding)
      throws Exception {
    Path data = Fixtures.synth();
    EvaluationSpec spec = new EvaluationSpec(dataset, null, data.resolve(dataset).toUri().toString(), "val",
        new FolderPredictions(data.resolve(preds).toUri().toString()), encoding, AbsentClassPolicy.EXCLUDE,
        "unused", "ref", 0, true);
    Configuration conf = new Configuration();
    ClassSpace space = new ClassSpace(dev.segeval.scoring.RunPlanner.labelTable(spec, conf), encoding);
    SequentialEvaluator.Result r = SequentialEvaluator.evaluate(space, spec.predictions(),
        dev.segeval.scoring.RunPlanner.plan(spec, conf).tasks(), conf);
    assertEquals(0, r.aggregate().failedImages());
    return r;
  }

  static void assertClose(JsonNode expected, double actual, String what) {
    if (expected == null || expected.isNull()) {
      assertTrue(Double.isNaN(actual), what + ": expected NaN, got " + actual);
    } else {
      assertEquals(expected.asDouble(), actual, TOL, what);
    }
  }

  @Test
  void cityscapesMatchesEvalPixelLevelSemanticLabeling() throws Exception {
    JsonNode ref = reference("cityscapes-official.json");
    ClassSpace space = new ClassSpace(dev.segeval.labels.LabelTable.builtIn("cityscapes"),
        PredictionEncoding.LABEL_ID);
    SegmentationStats stats = evaluate("cityscapes", "cityscapes-predictions", PredictionEncoding.LABEL_ID)
        .aggregate().stats();

    // The official 34x34 matrix over label ids, restricted to evaluated ground-truth rows, is ours exactly.
    JsonNode matrix = ref.get("confusionMatrix");
    for (int r = 0; r < space.numClasses(); r++) {
      for (int c = 0; c < space.numColumns(); c++) {
        long official = matrix.get(space.columnLabelId(r)).get(space.columnLabelId(c)).asLong();
        assertEquals(official, stats.confusion().get(r, c), "cell " + space.className(r) + " x "
            + space.columnName(c));
      }
    }
    MetricReport report = MetricReport.compute(space, stats, AbsentClassPolicy.EXCLUDE);
    for (MetricReport.ClassMetrics c : report.classes()) {
      assertClose(ref.at("/classIoU/" + c.name()), c.iou(), "IoU " + c.name());
      assertClose(ref.at("/classIIoU/" + c.name()), c.iiou(), "iIoU " + c.name());
    }
    assertEquals(ref.get("averageScoreClasses").asDouble(), report.meanIou(), TOL);
    assertEquals(ref.get("averageScoreInstClasses").asDouble(), report.meanInstanceIou(), TOL);
    for (MetricReport.CategoryMetrics k : report.categories()) {
      assertClose(ref.at("/categoryIoU/" + k.name()), k.iou(), "category IoU " + k.name());
      assertClose(ref.at("/categoryIIoU/" + k.name()), k.iiou(), "category iIoU " + k.name());
    }
    assertEquals(ref.get("averageScoreCategories").asDouble(), report.categoryMeanIou(), TOL);
    assertEquals(ref.get("averageScoreInstCategories").asDouble(), report.categoryMeanInstanceIou(), TOL);

    InstanceStats inst = stats.instances();
    for (int c = 0; c < space.numClasses(); c++) {
      JsonNode s = ref.at("/instanceStats/classes/" + space.className(c));
      if (s.isMissingNode()) {
        continue;
      }
      assertEquals(s.get("tp").asLong(), inst.classTp(c), space.className(c));
      assertEquals(s.get("fn").asLong(), inst.classFn(c), space.className(c));
      assertEquals(s.get("tpWeighted").asDouble(), inst.classTpWeighted(c), TOL * s.get("tpWeighted").asDouble());
      assertEquals(s.get("fnWeighted").asDouble(), inst.classFnWeighted(c), TOL * Math.max(1,
          s.get("fnWeighted").asDouble()));
    }
    int vehicle = space.categories().indexOf("vehicle");
    JsonNode v = ref.at("/instanceStats/categories/vehicle");
    assertEquals(v.get("tp").asLong(), inst.categoryTp(vehicle));
    assertEquals(v.get("tpWeighted").asDouble(), inst.categoryTpWeighted(vehicle), TOL * v.get("tpWeighted").asDouble());
  }

  @Test
  void ade20kMatchesSemsegAndMmsegFormulations() throws Exception {
    checkSemsegAndMmseg("ade20k", "ade20k-semseg.json");
  }

  @Test
  void vocMatchesSemsegAndMmsegFormulations() throws Exception {
    checkSemsegAndMmseg("voc2012", "voc2012-semseg.json");
  }

  private void checkSemsegAndMmseg(String dataset, String file) throws Exception {
    JsonNode ref = reference(file);
    SegmentationStats stats = evaluate(dataset, dataset + "-predictions", PredictionEncoding.LABEL_ID)
        .aggregate().stats();
    ClassSpace space = new ClassSpace(dev.segeval.labels.LabelTable.builtIn(dataset), PredictionEncoding.LABEL_ID);
    for (int c = 0; c < space.numClasses(); c++) {
      long tp = stats.confusion().get(c, c);
      assertEquals(ref.get("areaIntersection").get(c).asLong(), tp, "intersection " + c);
      assertEquals(ref.get("areaTarget").get(c).asLong(), stats.confusion().rowSum(c), "target " + c);
      assertEquals(ref.get("areaUnion").get(c).asLong(),
          stats.confusion().rowSum(c) + stats.confusion().columnSum(c) - tp, "union " + c);
    }
    MetricReport pspnet = MetricReport.compute(space, stats, AbsentClassPolicy.COUNT_AS_ZERO);
    JsonNode semseg = ref.get("semseg");
    assertEquals(semseg.get("mIoU").asDouble(), pspnet.meanIou(), TOL);
    assertEquals(semseg.get("mAcc").asDouble(), pspnet.meanAccuracy(), TOL);
    assertEquals(semseg.get("allAcc").asDouble(), pspnet.pixelAccuracy(), TOL);
    for (int c = 0; c < space.numClasses(); c++) {
      assertEquals(semseg.get("iou_class").get(c).asDouble(), pspnet.classes().get(c).iou(), TOL, "class " + c);
    }
    MetricReport mm = MetricReport.compute(space, stats, AbsentClassPolicy.EXCLUDE);
    JsonNode mmseg = ref.get("mmseg");
    assertEquals(mmseg.get("mIoU").asDouble(), mm.meanIou(), TOL);
    assertEquals(mmseg.get("mAcc").asDouble(), mm.meanAccuracy(), TOL);
    assertEquals(mmseg.get("aAcc").asDouble(), mm.pixelAccuracy(), TOL);
    for (int c = 0; c < space.numClasses(); c++) {
      assertClose(mmseg.get("IoU").get(c), mm.classes().get(c).iou(), "class " + c);
      assertClose(mmseg.get("Acc").get(c), mm.classes().get(c).accuracy(), "acc " + c);
    }
  }
}
