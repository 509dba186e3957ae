package dev.segeval.labels;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Every lookup the metric core needs, derived once from a {@link LabelTable} and a {@link PredictionEncoding}.
 *
 * <p>Rows of the confusion matrix are the evaluated classes (train ids 0..C-1); ground-truth pixels of ignored
 * labels are skipped. Columns are the evaluated classes followed by one column per value a prediction may hold
 * that is not an evaluated class (each ignored label id in {@code labelId} encoding, the single 255 in
 * {@code trainId} encoding). Keeping those columns apart reproduces cityscapesScripts exactly: a predicted
 * ignored label is a miss for the true class and a false positive for no class, yet a predicted caravan or
 * trailer still counts as a hit for the "vehicle" category in category iIoU.
 */
public final class ClassSpace implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Lookup result: the value is a known label that is not evaluated (ground truth) -- skip the pixel. */
  public static final int IGNORE = -1;
  /** Lookup result: the value is not in the labels table. */
  public static final int INVALID = -2;
  /** Raw values are at most 16 bits, so full-size lookup tables need no bounds checks in the pixel loop. */
  public static final int LUT_SIZE = 65536;
  /** cityscapesScripts: instance pixels hold labelId * 1000 + k and only values above 1000 are instances. */
  public static final int INSTANCE_DIVISOR = 1000;

  private final LabelTable table;
  private final PredictionEncoding encoding;
  private final int numClasses;
  private final int numColumns;
  private final String[] columnNames;
  private final int[] columnValues;
  private final int[] columnLabelIds;
  private final List<String> categories;
  private final int[] classCategory;
  private final int[] columnCategory;
  private final boolean instanceEvaluation;
  private final double[] classAverageInstanceSize;
  private final boolean[] categoryHasInstanceScore;
  private final boolean[][] categoryInstanceHitColumns;

  private transient int[] groundTruthLut;
  private transient int[] predictionLut;
  private transient int[] instanceClassLut;

  public ClassSpace(LabelTable table, PredictionEncoding encoding) {
    this.table = table;
    this.encoding = encoding;
    List<Label> classes = table.evaluatedClasses();
    this.numClasses = classes.size();

    // Categories that hold at least one evaluated class, in category id order.
    List<String> cats = new ArrayList<>();
    List<Integer> catIds = new ArrayList<>();
    for (Label l : table.labels()) {
      if (l.hasCategory() && !l.ignoreInEval() && !cats.contains(l.category())) {
        cats.add(l.category());
        catIds.add(l.categoryId());
      }
    }
    List<String> sortedCats = new ArrayList<>(cats);
    sortedCats.sort((a, b) -> Integer.compare(catIds.get(cats.indexOf(a)), catIds.get(cats.indexOf(b))));
    this.categories = List.copyOf(sortedCats);

    List<String> names = new ArrayList<>();
    List<Integer> values = new ArrayList<>();
    List<Integer> labelIds = new ArrayList<>();
    List<Integer> colCats = new ArrayList<>();
    for (Label l : classes) {
      names.add(l.name());
      values.add(encoding == PredictionEncoding.LABEL_ID ? l.id() : l.trainId());
      labelIds.add(l.id());
      colCats.add(categories.indexOf(l.category()));
    }
    if (encoding == PredictionEncoding.LABEL_ID) {
      for (Label l : table.labels()) {
        if (l.ignoreInEval() && l.id() >= 0) {
          names.add(l.name());
          values.add(l.id());
          labelIds.add(l.id());
          colCats.add(l.hasCategory() ? categories.indexOf(l.category()) : -1);
        }
      }
    } else {
      names.add("ignore (255)");
      values.add(255);
      labelIds.add(-1);
      colCats.add(-1);
    }
    this.numColumns = names.size();
    this.columnNames = names.toArray(new String[0]);
    this.columnValues = values.stream().mapToInt(Integer::intValue).toArray();
    this.columnLabelIds = labelIds.stream().mapToInt(Integer::intValue).toArray();
    this.columnCategory = colCats.stream().mapToInt(Integer::intValue).toArray();
    this.classCategory = Arrays.copyOf(columnCategory, numClasses);

    this.instanceEvaluation = table.hasInstanceClasses();
    this.classAverageInstanceSize = new double[numClasses];
    Arrays.fill(classAverageInstanceSize, Double.NaN);
    for (int c = 0; c < numClasses; c++) {
      Label l = classes.get(c);
      if (l.hasInstances()) {
        classAverageInstanceSize[c] = table.averageInstanceSizes().get(l.name());
      }
    }
    // cityscapesScripts' generateInstanceStats: a category gets an instance score only if every label of it
    // with a non-negative id has instances; its hits are predictions of any of those labels, ignored ones included.
    // The instance weight is the class's (avgClassSize has no category entries).
    int k = categories.size();
    this.categoryHasInstanceScore = new boolean[k];
    this.categoryInstanceHitColumns = new boolean[k][numColumns];
    for (int ci = 0; ci < k; ci++) {
      String cat = categories.get(ci);
      boolean all = instanceEvaluation;
      List<Integer> ids = new ArrayList<>();
      for (Label l : table.labels()) {
        if (!cat.equals(l.category()) || l.id() < 0) {
          continue;
        }
        if (!l.hasInstances()) {
          all = false;
          break;
        }
        ids.add(l.id());
      }
      categoryHasInstanceScore[ci] = all;
      if (categoryHasInstanceScore[ci]) {
        for (int col = 0; col < numColumns; col++) {
          categoryInstanceHitColumns[ci][col] = columnLabelIds[col] >= 0 && ids.contains(columnLabelIds[col]);
        }
      }
    }
  }

  public LabelTable table() {
    return table;
  }

  public PredictionEncoding encoding() {
    return encoding;
  }

  public int numClasses() {
    return numClasses;
  }

  public int numColumns() {
    return numColumns;
  }

  public String className(int c) {
    return columnNames[c];
  }

  public String columnName(int col) {
    return columnNames[col];
  }

  /** The raw prediction value that maps to this column. */
  public int columnValue(int col) {
    return columnValues[col];
  }

  /** The label id of this column, -1 for the trainId encoding's 255 column. */
  public int columnLabelId(int col) {
    return columnLabelIds[col];
  }

  public List<String> categories() {
    return categories;
  }

  /** Category index of an evaluated class, -1 if the dataset has no categories. */
  public int classCategory(int c) {
    return classCategory[c];
  }

  public int columnCategory(int col) {
    return columnCategory[col];
  }

  /** Whether Cityscapes-style instance statistics (iIoU) are computed for this dataset. */
  public boolean instanceEvaluation() {
    return instanceEvaluation;
  }

  public boolean classHasInstances(int c) {
    return !Double.isNaN(classAverageInstanceSize[c]);
  }

  public double classAverageInstanceSize(int c) {
    return classAverageInstanceSize[c];
  }

  public boolean categoryHasInstanceScore(int k) {
    return categoryHasInstanceScore[k];
  }

  /** Whether a prediction in this column counts as a hit for an instance of category k (category iIoU). */
  public boolean categoryInstanceHit(int k, int col) {
    return categoryInstanceHitColumns[k][col];
  }

  /** Ground-truth value to class index, {@link #IGNORE} or {@link #INVALID}; length {@link #LUT_SIZE}. */
  public int[] groundTruthLut() {
    if (groundTruthLut == null) {
      int[] lut = new int[LUT_SIZE];
      Arrays.fill(lut, INVALID);
      for (Label l : table.labels()) {
        if (l.id() >= 0) {
          lut[l.id()] = l.ignoreInEval() ? IGNORE : l.trainId();
        }
      }
      groundTruthLut = lut;
    }
    return groundTruthLut;
  }

  /** Prediction value to column, or {@link #INVALID}; length {@link #LUT_SIZE}. */
  public int[] predictionLut() {
    if (predictionLut == null) {
      int[] lut = new int[LUT_SIZE];
      Arrays.fill(lut, INVALID);
      for (int col = 0; col < numColumns; col++) {
        lut[columnValues[col]] = col;
      }
      predictionLut = lut;
    }
    return predictionLut;
  }

  /**
   * Label id of an instance (value / 1000) to the class it is scored for, {@link #IGNORE} when the label is
   * ignored in evaluation (cityscapesScripts skips those instances), {@link #INVALID} when the label is unknown
   * or is an evaluated class without instances.
   */
  public int[] instanceClassLut() {
    if (instanceClassLut == null) {
      int[] lut = new int[LUT_SIZE / INSTANCE_DIVISOR + 1];
      Arrays.fill(lut, INVALID);
      for (Label l : table.labels()) {
        if (l.id() < 0 || l.id() >= lut.length) {
          continue;
        }
        if (l.ignoreInEval()) {
          lut[l.id()] = IGNORE;
        } else if (l.hasInstances()) {
          lut[l.id()] = l.trainId();
        }
      }
      instanceClassLut = lut;
    }
    return instanceClassLut;
  }

  /** Describes the accepted prediction values, for error messages. */
  public String describePredictionValues() {
    if (encoding == PredictionEncoding.TRAIN_ID) {
      return String.format(Locale.ROOT, "train ids 0..%d or 255", numClasses - 1);
    }
    return "label ids of the '" + table.name() + "' labels table";
  }
}
