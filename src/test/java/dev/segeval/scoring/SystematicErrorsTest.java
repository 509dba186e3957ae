package dev.segeval.scoring;

import dev.segeval.imaging.IndexImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.PixelScorer;
import dev.segeval.metrics.SegmentationStats;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SystematicErrorsTest {
  static final LabelTable BINARY = LabelTable.parse("bin", "bin.csv", List.of(
      "name,id,trainId,ignoreInEval", "unlabeled,0,255,true", "background,1,0,false", "foreground,2,1,false"),
      Map.of());

  static RunAggregate run(ClassSpace space, int[] prediction, int images) throws Exception {
    RunAggregate agg = new RunAggregate(SegmentationStats.empty(space));
    PixelScorer scorer = new PixelScorer(space);
    ValuePairs.Sampler sampler = new ValuePairs.Sampler();
    for (int k = 0; k < images; k++) {
      int[] gt = new int[10_000];
      for (int i = 0; i < gt.length; i++) {
        gt[i] = i < 8_000 ? 1 : 2; // 80 % background (label id 1), 20 % foreground (label id 2)
      }
      int[] pred = prediction.length == 1 ? filled(gt.length, prediction[0]) : prediction;
      agg.add(new ImageResult("i" + k, null, "l" + k, "p" + k, ImageResult.Status.OK, null, 100, 100,
          scorer.score(gt, pred, null, 100), 0, null, sampler.sample(IndexImage.narrow(gt, 100), IndexImage.narrow(pred, 100))));
    }
    return agg;
  }

  static int[] filled(int n, int v) {
    int[] a = new int[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  @Test
  void aModelThatPredictsOneValueEverywhereIsNotAnEncodingMistake() throws Exception {
    // Train id 1 everywhere read as a label id is "background", right on 80 % of the pixels; pixel agreement would
    // call that an encoding shift. Mean class recall is 0.5 under both readings.
    ClassSpace space = new ClassSpace(BINARY, PredictionEncoding.TRAIN_ID);
    assertEquals(Optional.empty(), SystematicErrors.explain(space, run(space, new int[] {1}, 10), 10, true));
  }

  @Test
  void labelIdsScoredAsTrainIdsAreFoundOnATwoClassTable() throws Exception {
    ClassSpace space = new ClassSpace(BINARY, PredictionEncoding.TRAIN_ID);
    int[] labelIds = new int[10_000];
    for (int i = 0; i < labelIds.length; i++) {
      labelIds[i] = i < 8_000 ? 1 : 2; // perfect predictions, saved as label ids 1 and 2
    }
    // Label id 2 is not a train id (0..1, 255): those pixels fail the images; the sample still tells the story.
    RunAggregate agg = new RunAggregate(SegmentationStats.empty(space));
    ValuePairs.Sampler sampler = new ValuePairs.Sampler();
    for (int k = 0; k < 4; k++) {
      agg.add(ImageResult.failed(ScoringTask.of(new dev.segeval.datasets.Sample("i" + k, null, "l", null), "p"),
          new ImageFailure(ImageFailure.Kind.PREDICTION_VALUE, "p: prediction value 2"), 0,
          sampler.sample(IndexImage.narrow(labelIds, 1), IndexImage.narrow(labelIds, 1))));
    }
    Optional<String> e = SystematicErrors.explain(space, agg, 4, true);
    assertEquals(Optional.of("Cannot score these predictions as trainId: they look like label ids 1..2 (the values "
        + "of the dataset's label files). Read as trainId their mean class recall over sampled pixels is 0.0 %, read "
        + "as labelId 100.0 %; 4 of 4 images failed on values the trainId encoding does not allow. Rerun with "
        + "--prediction-encoding labelId."), e);
  }

  @Test
  void noImageScoredIsSystematicWhateverTheKinds() {
    ClassSpace space = new ClassSpace(BINARY, PredictionEncoding.LABEL_ID);
    RunAggregate agg = new RunAggregate(SegmentationStats.empty(space));
    ScoringTask task = ScoringTask.of(new dev.segeval.datasets.Sample("a", null, "l", null), "p");
    agg.add(ImageResult.failed(task, new ImageFailure(ImageFailure.Kind.MISSING_PREDICTION, "no prediction a"), 0,
        null));
    agg.add(ImageResult.failed(task, new ImageFailure(ImageFailure.Kind.CORRUPT_FILE, "l: truncated PNG"), 0, null));
    agg.add(ImageResult.failed(task, new ImageFailure(ImageFailure.Kind.CORRUPT_FILE, "k: truncated PNG"), 0, null));
    Optional<String> e = SystematicErrors.explain(space, agg, 3, true);
    assertEquals(Optional.of("Cannot score: none of the 3 images could be scored (2 corrupt-file, 1 "
        + "missing-prediction), e.g. k: truncated PNG; there are no metrics to publish: fix the input (see images/ "
        + "for every image) and rerun."), e);
    // One scored image among failures is not systematic: the failures are named one by one.
    agg.add(new ImageResult("b", null, "l", "p", ImageResult.Status.OK, null, 1, 1, SegmentationStats.empty(space), 0,
        null, null));
    assertTrue(SystematicErrors.explain(space, agg, 4, true).isEmpty());
  }
}
