package dev.segeval.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassSpaceTest {

  @Test
  void cityscapesTableMatchesTheOfficialOne() {
    LabelTable t = LabelTable.builtIn("cityscapes");
    assertEquals(35, t.labels().size());
    assertEquals(19, t.numClasses());
    assertEquals("road", t.evaluatedClasses().get(0).name());
    assertEquals(7, t.evaluatedClasses().get(0).id());
    assertEquals("bicycle", t.evaluatedClasses().get(18).name());
    assertEquals(33, t.evaluatedClasses().get(18).id());
  }

  @Test
  void cityscapesColoursAndInstanceSizes() {
    LabelTable t = LabelTable.builtIn("cityscapes");
    assertEquals(128 << 16 | 64 << 8 | 128, t.byId(7).color());
    assertEquals(3462.4756337644, t.averageInstanceSizes().get("person"), 0);
    assertEquals(67583.7075812274, t.averageInstanceSizes().get("train"), 0);
    assertEquals(10, t.averageInstanceSizes().size());
  }

  @Test
  void cityscapesClassSpaceInLabelIds() {
    ClassSpace s = new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.LABEL_ID);
    assertEquals(19, s.numClasses());
    // 19 classes + 15 ignored labels with non-negative ids (0-6, 9, 10, 14-16, 18, 29, 30).
    assertEquals(34, s.numColumns());
    assertEquals(List.of("flat", "construction", "object", "nature", "sky", "human", "vehicle"), s.categories());
    int human = s.categories().indexOf("human");
    int vehicle = s.categories().indexOf("vehicle");
    assertTrue(s.categoryHasInstanceScore(human));
    assertTrue(s.categoryHasInstanceScore(vehicle));
    assertFalse(s.categoryHasInstanceScore(s.categories().indexOf("flat")));
    int caravan = s.predictionLut()[29];
    int car = s.predictionLut()[26];
    assertTrue(caravan >= 19, "caravan is an ignored column");
    assertTrue(s.categoryInstanceHit(vehicle, caravan), "a predicted caravan hits the vehicle category");
    assertTrue(s.categoryInstanceHit(vehicle, car));
    assertFalse(s.categoryInstanceHit(human, car));
    assertEquals(ClassSpace.IGNORE, s.groundTruthLut()[0]);
    assertEquals(ClassSpace.INVALID, s.groundTruthLut()[34]);
    assertEquals(13, s.instanceClassLut()[26]); // car has train id 13
    assertEquals(ClassSpace.IGNORE, s.instanceClassLut()[29]);
    assertEquals(ClassSpace.INVALID, s.instanceClassLut()[7], "road has no instances");
    assertTrue(s.classHasInstances(13));
    assertFalse(s.classHasInstances(0));
  }

  @Test
  void trainIdEncodingHasOneIgnoreColumn() {
    ClassSpace s = new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.TRAIN_ID);
    assertEquals(20, s.numColumns());
    assertEquals(0, s.predictionLut()[0]);
    assertEquals(19, s.predictionLut()[255]);
    assertEquals(ClassSpace.INVALID, s.predictionLut()[19]);
  }

  @Test
  void ade20kIgnoresOtherAndShiftsByOne() {
    LabelTable t = LabelTable.builtIn("ade20k");
    assertEquals(150, t.numClasses());
    ClassSpace s = new ClassSpace(t, PredictionEncoding.LABEL_ID);
    assertEquals(ClassSpace.IGNORE, s.groundTruthLut()[0]);
    assertEquals(0, s.groundTruthLut()[1]);
    assertEquals(149, s.groundTruthLut()[150]);
    assertEquals(ClassSpace.INVALID, s.groundTruthLut()[151]);
    assertEquals("wall", s.className(0));
    assertEquals("flag", s.className(149));
    assertTrue(s.categories().isEmpty());
    assertFalse(s.instanceEvaluation());
  }

  @Test
  void vocIgnoresTheBorder() {
    ClassSpace s = new ClassSpace(LabelTable.builtIn("voc2012"), PredictionEncoding.LABEL_ID);
    assertEquals(21, s.numClasses());
    assertEquals(ClassSpace.IGNORE, s.groundTruthLut()[255]);
    assertEquals(0, s.groundTruthLut()[0]);
    assertEquals(ClassSpace.INVALID, s.groundTruthLut()[21]);
    assertEquals(21, s.predictionLut()[255], "a predicted border is a miss, not an error");
  }

  @Test
  void badTablesAreRejectedWithTheReason() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelTable.parse("t", "t.csv",
        List.of("name,id,trainId,ignoreInEval", "a,1,0,false", "b,2,2,false"), Map.of()));
    assertTrue(e.getMessage().contains("train ids 0..1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LabelTable.parse("t", "t.csv",
        List.of("name,id,ignoreInEval", "a,1,false"), Map.of()));
    assertTrue(e.getMessage().contains("lacks column 'trainId'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LabelTable.parse("t", "t.csv",
        List.of("name,id,trainId,ignoreInEval", "a,1,0,maybe"), Map.of()));
    assertTrue(e.getMessage().contains("row 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LabelTable.builtIn("kitti"));
    assertTrue(e.getMessage().contains("kitti"), e.getMessage());
  }
}
