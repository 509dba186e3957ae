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
   * Scores one image held as ints (synthetic maps, arrays from other libraries): each map is first narrowed to the
   * 16 bits of {@link #score(char[], char[], char[], int)}, and a value outside 0..65535 is refused as out of range
   * with its position. Copies the maps; the job's path decodes PNGs straight into chars.
   */
  public SegmentationStats score(int[] groundTruth, int[] prediction, int[] instances, int width)
      throws InvalidPixelException {
    return score(narrow(groundTruth, InvalidPixelException.Source.GROUND_TRUTH, "ground-truth label", width),
        narrow(prediction, InvalidPixelException.Source.PREDICTION, "prediction", width),
        instances == null ? null : narrow(instances, InvalidPixelException.Source.INSTANCES, "instance id", width),
        width);
  }

  private static char[] narrow(int[] values, InvalidPixelException.Source source, String what, int width)
      throws InvalidPixelException {
    char[] out = new char[values.length];
    for (int i = 0; i < values.length; i++) {
      int v = values[i];
      if ((v & ~0xFFFF) != 0) {
        throw invalid(source, what, v, i, width, "image values are 16-bit (0..65535)");
      }
      out[i] = (char) v;
    }
    return out;
  }

  /**
   * Scores one image: values 0..65535, as decoded from 8- or 16-bit PNGs. Two bytes a pixel rather than an int's
   * four: the loops below run at the memory's speed, so this is what halves their time.
   *
   * @param groundTruth raw ground-truth label values, row-major
   * @param prediction  raw prediction values in the class space's encoding
   * @param instances   raw instance ids (Cityscapes {@code instanceIds}), or null to skip instance statistics
   * @param width       image width, for error positions
   */
  public SegmentationStats score(char[] groundTruth, char[] prediction, char[] instances, int width)
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
    gtRunEnd = 0;
    predRunEnd = 0;
    instRunEnd = 0;
    if (instances == null) {
      scoreConfusion(groundTruth, prediction, width, stats);
    } else {
      scoreWithInstances(groundTruth, prediction, instances, width, stats);
    }
    return stats;
  }

  /*
   * Both loops walk the image in runs of equal pixels rather than pixel by pixel. Label maps and model
   * predictions are piecewise constant, and a per-pixel histogram increment of the same cell is a chain of
   * store-to-load dependencies through memory (about five cycles a pixel on this kind of CPU, whatever the
   * width of the core). Finding where a run ends is two or three loads and compares a pixel with no memory
   * dependency; each run then costs one table update, scaled by its length. Salt-and-pepper predictions make
   * runs of one pixel, where this is no slower than the plain loop (benchmark-results/core-throughput.md).
   * Every check is done once per run on its first pixel, which is the first pixel holding the bad value.
   */

  private void scoreConfusion(char[] groundTruth, char[] prediction, int width, SegmentationStats stats)
      throws InvalidPixelException {
    final int n = groundTruth.length;
    final long[] counts = stats.confusion().counts();
    final int[] gtLut = this.gtLut;
    final int[] predLut = this.predLut;
    final int cols = this.columns;
    long ignored = 0;
    int i = 0;
    while (i < n) {
      final int gv = groundTruth[i];
      final int pv = prediction[i];
      final int start = i;
      i = runEnd(groundTruth, prediction, i + 1, n, gv, pv);
      int run = i - start;
      int g = gtLut[gv];
      int p = predLut[pv];
      if ((g | p) < 0) {
        checkPair(g, p, gv, pv, start, width);
        ignored += run;
        continue;
      }
      counts[g * cols + p] += run;
    }
    stats.addIgnoredPixels(ignored);
  }

  /** Pixels compared one by one before a run counts as long and the rest is searched with vector compares. */
  private static final int SHORT_RUN = 16;

  // Where the current run of each array ends (first index whose value differs from the one before), once a
  // long run has been searched; 0 before. Reset per image.
  private int gtRunEnd;
  private int predRunEnd;
  private int instRunEnd;

  /**
   * The end of the run of pixels equal to (gv, pv) that goes on at {@code i}. Short runs (edges, noisy
   * predictions) are walked pixel by pixel; past {@link #SHORT_RUN} pixels, each array's own run is found
   * with {@link Arrays#mismatch} of the array against itself shifted by one pixel, which the JIT turns into
   * vector compares, and the run ends where the first of the arrays changes. Each array's run end is kept
   * ({@link #gtRunEnd}, ...), so that a long run of one array broken up by the other is searched once, not
   * once per piece.
   */
  private int runEnd(char[] gt, char[] pred, int i, int n, int gv, int pv) {
    int probe = Math.min(n, i + SHORT_RUN);
    while (i < probe && gt[i] == gv && pred[i] == pv) {
      i++;
    }
    if (i < probe || i == n) {
      return i;
    }
    // Here gt[i - 1] == gv and pred[i - 1] == pv: a kept run end beyond i still holds.
    if (gtRunEnd <= i) {
      gtRunEnd = sameAsPrevious(gt, i, n);
    }
    if (predRunEnd <= i) {
      predRunEnd = sameAsPrevious(pred, i, n);
    }
    return Math.min(gtRunEnd, predRunEnd);
  }

  /** As {@link #runEnd(char[], char[], int, int, int, int)} with the instance id as a third value. */
  private int runEnd(char[] gt, char[] pred, char[] inst, int i, int n, int gv, int pv, int iv) {
    int probe = Math.min(n, i + SHORT_RUN);
    while (i < probe && gt[i] == gv && pred[i] == pv && inst[i] == iv) {
      i++;
    }
    if (i < probe || i == n) {
      return i;
    }
    if (gtRunEnd <= i) {
      gtRunEnd = sameAsPrevious(gt, i, n);
    }
    if (predRunEnd <= i) {
      predRunEnd = sameAsPrevious(pred, i, n);
    }
    if (instRunEnd <= i) {
      instRunEnd = sameAsPrevious(inst, i, n);
    }
    return Math.min(gtRunEnd, Math.min(predRunEnd, instRunEnd));
  }

  /** The first index in [from, to) whose value differs from the one before it, or {@code to}. */
  private static int sameAsPrevious(char[] values, int from, int to) {
    if (from >= to) {
      return to;
    }
    int k = Arrays.mismatch(values, from, to, values, from - 1, to - 1);
    return k < 0 ? to : from + k;
  }

  /** Throws for a bad prediction or ground-truth value; returns when the ground truth is merely ignored. */
  private void checkPair(int g, int p, int gv, int pv, int index, int width) throws InvalidPixelException {
    if (p < 0) {
      throw invalid(InvalidPixelException.Source.PREDICTION, "prediction", pv, index, width,
          "expected " + space.describePredictionValues());
    }
    if (g == ClassSpace.INVALID) {
      throw invalid(InvalidPixelException.Source.GROUND_TRUTH, "ground-truth label", gv, index, width,
          "not an id of the '" + space.table().name() + "' labels table");
    }
  }

  /**
   * Confusion counts and instance statistics in one pass, checking on the way that the instance map agrees
   * with the label map pixel by pixel (an instance pixel {@code labelId*1000+k} lies on its label, any other
   * pixel holds the label id itself). The official script does not check this; an 8-bit copy of a 16-bit
   * instance map (ids taken mod 256) passes it silently and shifts iIoU, so it is refused here.
   */
  private void scoreWithInstances(char[] groundTruth, char[] prediction, char[] instances, int width,
                                  SegmentationStats stats) throws InvalidPixelException {
    final int n = groundTruth.length;
    final long[] counts = stats.confusion().counts();
    final int[] gtLut = this.gtLut;
    final int[] predLut = this.predLut;
    final int cols = this.columns;
    long ignored = 0;
    int touchedCount = 0;
    int[] touched = new int[64];
    try {
      int i = 0;
      while (i < n) {
        final int gv = groundTruth[i];
        final int pv = prediction[i];
        final int id = instances[i];
        final int start = i;
        i = runEnd(groundTruth, prediction, instances, i + 1, n, gv, pv, id);
        int run = i - start;
        int g = gtLut[gv];
        int p = predLut[pv];
        if ((g | p) < 0) {
          checkPair(g, p, gv, pv, start, width);
          ignored += run;
        } else {
          counts[g * cols + p] += run;
        }
        if (id < ClassSpace.INSTANCE_DIVISOR) {
          if (id != gv) {
            throw mismatch(id, gv, start, width);
          }
          continue;
        }
        // cityscapesScripts: np.unique(instanceNp[instanceNp > 1000]); crowd regions hold the plain label id.
        if (id == ClassSpace.INSTANCE_DIVISOR) {
          if (gv != 1) {
            throw mismatch(id, gv, start, width);
          }
          continue;
        }
        if (instanceSize[id] == 0) {
          int label = id / ClassSpace.INSTANCE_DIVISOR;
          if (label != gv) {
            throw mismatch(id, gv, start, width);
          }
          int c = instanceClassLut[label];
          if (c == ClassSpace.INVALID) {
            throw invalid(InvalidPixelException.Source.INSTANCES, "instance id", id, start, width, "its label id "
                + label + " is not a label with instances in the '" + space.table().name() + "' labels table");
          }
          instanceLabel[id] = label;
          instanceClass[id] = c;
          if (touchedCount == touched.length) {
            touched = Arrays.copyOf(touched, touchedCount * 2);
          }
          touched[touchedCount++] = id;
        }
        if (gv != instanceLabel[id]) {
          throw mismatch(id, gv, start, width);
        }
        instanceSize[id] += run;
        int c = instanceClass[id];
        if (c < 0) {
          continue;
        }
        if (p == c) {
          instanceHits[id] += run;
        }
        int cat = classCategoryWithScore[c];
        if (cat >= 0 && categoryHitByColumn[cat][p]) {
          instanceCategoryHits[id] += run;
        }
      }
      stats.addIgnoredPixels(ignored);
      InstanceStats out = stats.instances();
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
