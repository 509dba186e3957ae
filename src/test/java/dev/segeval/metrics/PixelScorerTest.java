package dev.segeval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.Label;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The scorer walks images in runs of equal pixels; this checks it against a plain per-pixel reference written
 * from the official definitions, on maps with long runs, with salt-and-pepper noise, and with runs that end
 * exactly at the last pixel, with and without Cityscapes instances.
 */
class PixelScorerTest {
  private static final ClassSpace SPACE =
      new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.LABEL_ID);

  /** Per pixel, no cleverness: confusion by look-up, instances collected in a sorted map. */
  static SegmentationStats reference(int[] gt, int[] pred, int[] inst) {
    SegmentationStats stats = SegmentationStats.empty(SPACE);
    int[] gtLut = SPACE.groundTruthLut();
    int[] predLut = SPACE.predictionLut();
    for (int i = 0; i < gt.length; i++) {
      int g = gtLut[gt[i]];
      int p = predLut[pred[i]];
      if (g < 0) {
        stats.addIgnoredPixels(1);
      } else {
        stats.confusion().counts()[g * SPACE.numColumns() + p]++;
      }
    }
    if (inst == null) {
      return stats;
    }
    Map<Integer, long[]> byId = new TreeMap<>(); // size, class hits, category hits
    for (int i = 0; i < gt.length; i++) {
      if (inst[i] <= ClassSpace.INSTANCE_DIVISOR) {
        continue;
      }
      int c = SPACE.instanceClassLut()[inst[i] / ClassSpace.INSTANCE_DIVISOR];
      long[] s = byId.computeIfAbsent(inst[i], k -> new long[3]);
      s[0]++;
      if (c < 0) {
        continue;
      }
      int p = predLut[pred[i]];
      if (p == c) {
        s[1]++;
      }
      int cat = SPACE.classCategory(c);
      if (cat >= 0 && SPACE.categoryHasInstanceScore(cat) && SPACE.categoryInstanceHit(cat, p)) {
        s[2]++;
      }
    }
    for (Map.Entry<Integer, long[]> e : byId.entrySet()) {
      int c = SPACE.instanceClassLut()[e.getKey() / ClassSpace.INSTANCE_DIVISOR];
      if (c < 0) {
        continue;
      }
      long[] s = e.getValue();
      stats.instances().addClassInstance(c, s[1], s[0], SPACE.classAverageInstanceSize(c));
      int cat = SPACE.classCategory(c);
      if (cat >= 0 && SPACE.categoryHasInstanceScore(cat)) {
        stats.instances().addCategoryInstance(cat, s[2], s[0], SPACE.classAverageInstanceSize(c));
      }
    }
    return stats;
  }

  /** A label map of horizontal runs (mean length {@code runLength}) with a fraction of noisy predictions. */
  static int[][] randomMaps(long seed, int width, int height, int runLength, double noise) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int[] ids = LabelTable.builtIn("cityscapes").labels().stream().mapToInt(Label::id).filter(id -> id >= 0)
        .toArray();
    int n = width * height;
    int[] gt = new int[n];
    int[] pred = new int[n];
    int[] inst = new int[n];
    int label = ids[rnd.nextInt(ids.length)];
    int predicted = label;
    for (int i = 0; i < n; i++) {
      if (rnd.nextInt(runLength) == 0) {
        label = ids[rnd.nextInt(ids.length)];
        predicted = rnd.nextInt(4) == 0 ? ids[rnd.nextInt(ids.length)] : label;
      }
      gt[i] = label;
      pred[i] = rnd.nextDouble() < noise ? ids[rnd.nextInt(ids.length)] : predicted;
      Label l = LabelTable.builtIn("cityscapes").byId(label);
      inst[i] = l.hasInstances() && (i / width) % 7 != 0 ? label * 1000 + (i % width) / 13 : label;
    }
    return new int[][] {gt, pred, inst};
  }

  @ParameterizedTest
  @CsvSource({"1, 64, 48, 1, 0.0", "2, 64, 48, 40, 0.0", "3, 64, 48, 40, 0.1", "4, 301, 7, 500, 0.01",
      "5, 1, 1, 1, 0.0", "6, 97, 31, 3, 0.5", "7, 256, 128, 1000, 0.0"})
  void equalsThePerPixelReference(long seed, int width, int height, int runLength, double noise) throws Exception {
    int[][] maps = randomMaps(seed, width, height, runLength, noise);
    PixelScorer scorer = new PixelScorer(SPACE);
    assertEquals(reference(maps[0], maps[1], null), scorer.score(maps[0], maps[1], null, width));
    assertEquals(reference(maps[0], maps[1], maps[2]), scorer.score(maps[0], maps[1], maps[2], width));
    // The scorer's scratch state is clean after each image: scoring again gives the same statistics.
    assertEquals(reference(maps[0], maps[1], maps[2]), scorer.score(maps[0], maps[1], maps[2], width));
  }

  @Test
  void reportsTheFirstBadPixelOfARun() {
    PixelScorer scorer = new PixelScorer(SPACE);
    int[] gt = {7, 7, 7, 7, 7, 7};
    int[] pred = {7, 7, 7, 300, 300, 300};
    InvalidPixelException e = assertThrows(InvalidPixelException.class, () -> scorer.score(gt, pred, null, 2));
    assertEquals(InvalidPixelException.Source.PREDICTION, e.source());
    assertEquals(1, e.x());
    assertEquals(1, e.y());
    int[] inst = {7, 7, 7, 7, 26001, 26001};
    int[] goodPred = {7, 7, 7, 7, 7, 7};
    InvalidPixelException m = assertThrows(InvalidPixelException.class,
        () -> scorer.score(gt, goodPred, inst, 2));
    assertEquals(InvalidPixelException.Problem.INSTANCE_LABEL_MISMATCH, m.problem());
    assertEquals(0, m.x());
    assertEquals(2, m.y());
  }

  @Test
  void intMapsAreNarrowedToSixteenBitsOrRefusedWithThePosition() throws Exception {
    PixelScorer scorer = new PixelScorer(SPACE);
    int[][] maps = randomMaps(11, 40, 20, 30, 0.05);
    char[][] narrow = new char[3][];
    for (int k = 0; k < 3; k++) {
      narrow[k] = new char[maps[k].length];
      for (int i = 0; i < maps[k].length; i++) {
        narrow[k][i] = (char) maps[k][i];
      }
    }
    assertEquals(scorer.score(maps[0], maps[1], maps[2], 40), scorer.score(narrow[0], narrow[1], narrow[2], 40));
    // 26 * 1000 + 40001 would be 66001: an instance id that an int holds and a 16-bit PNG cannot.
    int[] wide = maps[2].clone();
    wide[3 * 40 + 5] = 66_001;
    InvalidPixelException e = assertThrows(InvalidPixelException.class,
        () -> scorer.score(maps[0], maps[1], wide, 40));
    assertEquals(InvalidPixelException.Source.INSTANCES, e.source());
    assertEquals(InvalidPixelException.Problem.VALUE_OUT_OF_RANGE, e.problem());
    assertEquals(5, e.x());
    assertEquals(3, e.y());
    int[] negative = maps[1].clone();
    negative[0] = -1;
    assertEquals(InvalidPixelException.Source.PREDICTION, assertThrows(InvalidPixelException.class,
        () -> scorer.score(maps[0], negative, null, 40)).source());
  }
}
