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
  private final int[] instanceLabel = new int[ClassSpace.LUT_SIZE];
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
          throw invalid(InvalidPixelException.Source.PREDICTION, "prediction", prediction[i], i, width,
              "expected " + space.describePredictionValues());
        }
        if (g == ClassSpace.INVALID) {
          throw invalid(InvalidPixelException.Source.GROUND_TRUTH, "ground-truth label", groundTruth[i], i, width,
              "not an id of the '" + space.table().name() + "' labels table");
        }
        ignored++;
        continue;
      }
      counts[g * cols + p]++;
    }
    stats.addIgnoredPixels(ignored);
    if (instances != null) {
      scoreInstances(instances, groundTruth, prediction, width, stats.instances());
    }
    return stats;
  }

  /**
   * Instance statistics, checking on the way that the instance map agrees with the label map pixel by pixel
   * (an instance pixel {@code labelId*1000+k} lies on its label, any other pixel holds the label id itself). The
   * official script does not check this; an 8-bit copy of a 16-bit instance map (ids taken mod 256) passes it
   * silently and shifts iIoU, so it is refused here.
   */
  private void scoreInstances(int[] instances, int[] groundTruth, int[] prediction, int width, InstanceStats out)
      throws InvalidPixelException {
    int n = instances.length;
    int touchedCount = 0;
    int[] touched = new int[64];
    try {
      for (int i = 0; i < n; i++) {
        int id = instances[i];
        if (id < ClassSpace.INSTANCE_DIVISOR) {
          if (id != groundTruth[i]) {
            throw mismatch(id, groundTruth[i], i, width);
          }
          continue;
        }
        if (id > 0xFFFF) {
          throw invalid(InvalidPixelException.Source.INSTANCES, "instance id", id, i, width,
              "instance ids are 16-bit");
        }
        // cityscapesScripts: np.unique(instanceNp[instanceNp > 1000]); crowd regions hold the plain label id.
        if (id == ClassSpace.INSTANCE_DIVISOR) {
          if (groundTruth[i] != 1) {
            throw mismatch(id, groundTruth[i], i, width);
          }
          continue;
        }
        if (instanceSize[id] == 0) {
          int label = id / ClassSpace.INSTANCE_DIVISOR;
          if (label != groundTruth[i]) {
            throw mismatch(id, groundTruth[i], i, width);
          }
          int c = instanceClassLut[label];
          if (c == ClassSpace.INVALID) {
            throw invalid(InvalidPixelException.Source.INSTANCES, "instance id", id, i, width, "its label id "
                + label + " is not a label with instances in the '" + space.table().name() + "' labels table");
          }
          instanceLabel[id] = label;
          instanceClass[id] = c;
          if (touchedCount == touched.length) {
            touched = Arrays.copyOf(touched, touchedCount * 2);
          }
          touched[touchedCount++] = id;
        }
        if (groundTruth[i] != instanceLabel[id]) {
          throw mismatch(id, groundTruth[i], i, width);
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
        instanceLabel[id] = 0;
      }
    }
  }

  private static InvalidPixelException invalid(InvalidPixelException.Source source, String what, int value,
                                               int index, int width, String why) {
    return new InvalidPixelException(source, InvalidPixelException.Problem.VALUE_OUT_OF_RANGE, value,
        index % width, index / width, what, why);
  }

  private InvalidPixelException mismatch(int id, int label, int index, int width) {
    dev.segeval.labels.Label known = space.table().byId(label);
    boolean labelHasInstances = known != null && known.hasInstances();
    String expected = labelHasInstances ? String.format(Locale.ROOT, "%d, or %d..%d for an instance of it", label,
        label * ClassSpace.INSTANCE_DIVISOR, label * ClassSpace.INSTANCE_DIVISOR + ClassSpace.INSTANCE_DIVISOR - 1)
        : String.valueOf(label);
    String hint = id < 256
        ? "; an instance map saved with 8 bits (ids taken mod 256) looks like this: use the 16-bit instanceIds file"
        : "";
    return new InvalidPixelException(InvalidPixelException.Source.INSTANCES,
        InvalidPixelException.Problem.INSTANCE_LABEL_MISMATCH, id, index % width, index / width, "instance id",
        "disagrees with the label id " + label + " of the same pixel (expected " + expected + ")" + hint);
  }
}
