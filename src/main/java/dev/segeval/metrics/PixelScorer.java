package dev.segeval.metrics;

import dev.segeval.labels.ClassSpace;
import java.util.Arrays;
import java.util.Locale;

/**
 * Scores one image in a single pass over its pixels: confusion counts and, when an instance map is given,
 * Cityscapes per-instance counts. No allocation per pixel and no boxing; the instance scratch arrays are
 * reused between images, so a scorer belongs to one thread.
 */
public final class PixelScorer {
  private final ClassSpace space;
  private final int[] gtLut;
  private final int[] predLut;
  private final int[] instanceClassLut;
  private final int columns;

  // Per instance id (0..65535): pixel count, pixels predicted as its class, pixels predicted as its category.
  private final int[] instanceSize = new int[ClassSpace.LUT_SIZE];
  private final int[] instanceHits = new int[ClassSpace.LUT_SIZE];
  private final int[] instanceCategoryHits = new int[ClassSpace.LUT_SIZE];
  private final int[] instanceClass = new int[ClassSpace.LUT_SIZE];
  private final boolean[][] categoryHitByColumn;
  private final int[] classCategoryWithScore;

  public PixelScorer(ClassSpace space) {
    this.space = space;
    this.gtLut = space.groundTruthLut();
    this.predLut = space.predictionLut();
    this.instanceClassLut = space.instanceClassLut();
    this.columns = space.numColumns();
    int k = space.categories().size();
    this.categoryHitByColumn = new boolean[k][];
    for (int i = 0; i < k; i++) {
      categoryHitByColumn[i] = new boolean[columns];
      for (int col = 0; col < columns; col++) {
        categoryHitByColumn[i][col] = space.categoryInstanceHit(i, col);
      }
    }
    this.classCategoryWithScore = new int[space.numClasses()];
    for (int c = 0; c < space.numClasses(); c++) {
      int cat = space.classCategory(c);
      classCategoryWithScore[c] = cat >= 0 && space.categoryHasInstanceScore(cat) ? cat : -1;
    }
  }

  public ClassSpace space() {
    return space;
  }

  /** A fresh, empty statistics object for this class space. */
  public SegmentationStats emptyStats() {
    return SegmentationStats.empty(space);
  }

  /**
   * Scores one image. Values must be 0..65535, as decoded from 8- or 16-bit PNGs.
   *
   * @param groundTruth raw ground-truth label values, row-major
   * @param prediction  raw prediction values in the class space's encoding
   * @param instances   raw instance ids (Cityscapes {@code instanceIds}), or null to skip instance statistics
   * @param width       image width, for error positions
   */
  public SegmentationStats score(int[] groundTruth, int[] prediction, int[] instances, int width)
      throws InvalidPixelException {
    int n = groundTruth.length;
    if (prediction.length != n || (instances != null && instances.length != n)) {
      throw new IllegalArgumentException("Cannot score images of different sizes");
    }
    if (instances != null && !space.instanceEvaluation()) {
      throw new IllegalArgumentException("Cannot score instances: dataset '" + space.table().name()
          + "' has no classes with instances");
    }
    SegmentationStats stats = emptyStats();
    long[] counts = stats.confusion().counts();
    long ignored = 0;
    final int[] gtLut = this.gtLut;
    final int[] predLut = this.predLut;
    final int cols = this.columns;
    for (int i = 0; i < n; i++) {
      int g = gtLut[groundTruth[i]];
      int p = predLut[prediction[i]];
      if ((g | p) < 0) {
        // Slow path only for ignored ground truth or a bad value.
        if (p < 0) {
          throw invalid("prediction", prediction[i], i, width,
              "expected " + space.describePredictionValues());
        }
        if (g == ClassSpace.INVALID) {
          throw invalid("ground-truth label", groundTruth[i], i, width,
              "not an id of the '" + space.table().name() + "' labels table");
        }
        ignored++;
        continue;
      }
      counts[g * cols + p]++;
    }
    stats.addIgnoredPixels(ignored);
    if (instances != null) {
      scoreInstances(instances, prediction, width, stats.instances());
    }
    return stats;
  }

  private void scoreInstances(int[] instances, int[] prediction, int width, InstanceStats out)
      throws InvalidPixelException {
    int n = instances.length;
    int touchedCount = 0;
    int[] touched = new int[64];
    try {
      for (int i = 0; i < n; i++) {
        int id = instances[i];
        // cityscapesScripts: np.unique(instanceNp[instanceNp > 1000]); crowd regions hold the plain label id.
        if (id <= ClassSpace.INSTANCE_DIVISOR) {
          continue;
        }
        if (id > 0xFFFF) {
          throw invalid("instance id", id, i, width, "instance ids are 16-bit");
        }
        if (instanceSize[id] == 0) {
          int c = instanceClassLut[id / ClassSpace.INSTANCE_DIVISOR];
          if (c == ClassSpace.INVALID) {
            throw invalid("instance id", id, i, width, "its label id " + id / ClassSpace.INSTANCE_DIVISOR
                + " is not a label with instances in the '" + space.table().name() + "' labels table");
          }
          instanceClass[id] = c;
          if (touchedCount == touched.length) {
            touched = Arrays.copyOf(touched, touchedCount * 2);
          }
          touched[touchedCount++] = id;
        }
        instanceSize[id]++;
        int c = instanceClass[id];
        if (c < 0) {
          continue;
        }
        int p = predLut[prediction[i]];
        if (p == c) {
          instanceHits[id]++;
        }
        int cat = classCategoryWithScore[c];
        if (cat >= 0 && p >= 0 && categoryHitByColumn[cat][p]) {
          instanceCategoryHits[id]++;
        }
      }
      // Ascending instance id, the order of np.unique in the official script.
      Arrays.sort(touched, 0, touchedCount);
      for (int t = 0; t < touchedCount; t++) {
        int id = touched[t];
        int c = instanceClass[id];
        if (c < 0) {
          continue; // instance of a label ignored in evaluation (e.g. caravan): skipped officially
        }
        long size = instanceSize[id];
        out.addClassInstance(c, instanceHits[id], size, space.classAverageInstanceSize(c));
        int cat = classCategoryWithScore[c];
        if (cat >= 0) {
          // The official script weights the category statistics with the class's weight.
          out.addCategoryInstance(cat, instanceCategoryHits[id], size, space.classAverageInstanceSize(c));
        }
      }
    } finally {
      for (int t = 0; t < touchedCount; t++) {
        int id = touched[t];
        instanceSize[id] = 0;
        instanceHits[id] = 0;
        instanceCategoryHits[id] = 0;
        instanceClass[id] = 0;
      }
    }
  }

  private static InvalidPixelException invalid(String what, int value, int index, int width, String why) {
    return new InvalidPixelException(String.format(Locale.ROOT, "%s value %d at pixel (x=%d, y=%d): %s",
        what, value, index % width, index / width, why));
  }
}
