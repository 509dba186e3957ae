package dev.segeval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.segeval.labels.ClassSpace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Merging per-image statistics must not depend on grouping or order (Spark merges partitions in any order):
 * for random images, every random bracketing and permutation gives exactly the same statistics, weighted
 * instance sums included, and the empty statistics are the identity.
 */
class MergePropertyTest {

  static List<SegmentationStats> randomImages(long seed, int count) throws InvalidPixelException {
    ClassSpace space = TinyTables.space();
    PixelScorer scorer = new PixelScorer(space);
    Random rnd = new Random(seed);
    int[] gtIds = {0, 1, 2, 3, 4, 5, 6};
    int[] predIds = {0, 1, 2, 3, 4, 5, 6};
    List<SegmentationStats> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = 1 + rnd.nextInt(400);
      int[] gt = new int[n];
      int[] pred = new int[n];
      int[] inst = new int[n];
      for (int p = 0; p < n; p++) {
        gt[p] = gtIds[rnd.nextInt(gtIds.length)];
        pred[p] = predIds[rnd.nextInt(predIds.length)];
        // Instances of c, d and e with a handful of ids, so sizes and weights vary.
        inst[p] = gt[p] >= 3 && gt[p] <= 5 && rnd.nextInt(5) > 0 ? gt[p] * 1000 + 1 + rnd.nextInt(4) : gt[p];
      }
      out.add(scorer.score(gt, pred, inst, n));
    }
    return out;
  }

  static SegmentationStats mergeRandomTree(List<SegmentationStats> items, Random rnd) {
    if (items.isEmpty()) {
      return new PixelScorer(TinyTables.space()).emptyStats();
    }
    if (items.size() == 1) {
      return items.get(0).copy();
    }
    int cut = 1 + rnd.nextInt(items.size() - 1);
    SegmentationStats left = mergeRandomTree(items.subList(0, cut), rnd);
    SegmentationStats right = mergeRandomTree(items.subList(cut, items.size()), rnd);
    return rnd.nextBoolean() ? left.merge(right) : right.merge(left);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void mergeIsAssociativeAndCommutative(long seed) throws Exception {
    List<SegmentationStats> images = randomImages(seed, 40);
    SegmentationStats sequential = new PixelScorer(TinyTables.space()).emptyStats();
    for (SegmentationStats s : images) {
      sequential.merge(s);
    }
    Random rnd = new Random(seed * 31);
    for (int trial = 0; trial < 10; trial++) {
      List<SegmentationStats> shuffled = new ArrayList<>(images);
      Collections.shuffle(shuffled, rnd);
      SegmentationStats tree = mergeRandomTree(shuffled, rnd);
      assertEquals(sequential, tree);
      MetricReport a = MetricReport.compute(TinyTables.space(), sequential, AbsentClassPolicy.EXCLUDE);
      MetricReport b = MetricReport.compute(TinyTables.space(), tree, AbsentClassPolicy.EXCLUDE);
      assertEquals(a.meanIou(), b.meanIou(), 0);
      assertEquals(a.meanInstanceIou(), b.meanInstanceIou(), 0);
      assertEquals(a.categoryMeanInstanceIou(), b.categoryMeanInstanceIou(), 0);
    }
    SegmentationStats withZero = sequential.copy().merge(new PixelScorer(TinyTables.space()).emptyStats());
    assertEquals(sequential, withZero);
  }

  @ParameterizedTest
  @ValueSource(longs = {101, 202, 303})
  void mergedImagesEqualOneBigImage(long seed) throws Exception {
    // Scoring concatenated pixels at once equals merging per-image results (instance ids kept distinct).
    Random rnd = new Random(seed);
    PixelScorer scorer = new PixelScorer(TinyTables.space());
    int n = 300;
    int[] gt = new int[2 * n];
    int[] pred = new int[2 * n];
    int[] inst = new int[2 * n];
    for (int p = 0; p < 2 * n; p++) {
      gt[p] = rnd.nextInt(7);
      pred[p] = rnd.nextInt(7);
      inst[p] = gt[p] == 3 ? 3000 + (p < n ? 1 : 2) : gt[p];
    }
    SegmentationStats whole = scorer.score(gt, pred, inst, 2 * n);
    SegmentationStats first = scorer.score(java.util.Arrays.copyOfRange(gt, 0, n),
        java.util.Arrays.copyOfRange(pred, 0, n), java.util.Arrays.copyOfRange(inst, 0, n), n);
    SegmentationStats second = scorer.score(java.util.Arrays.copyOfRange(gt, n, 2 * n),
        java.util.Arrays.copyOfRange(pred, n, 2 * n), java.util.Arrays.copyOfRange(inst, n, 2 * n), n);
    assertEquals(whole.confusion(), first.merge(second).confusion());
    assertEquals(whole.instances().classTp(2), first.instances().classTp(2));
    assertEquals(whole.instances().classTpWeighted(2), first.instances().classTpWeighted(2), 1e-12);
  }
}
