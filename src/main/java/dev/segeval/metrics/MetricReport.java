package dev.segeval.metrics;

import dev.segeval.labels.ClassSpace;
import java.util.ArrayList;
import java.util.List;

/**
 * Ratios computed once from merged {@link SegmentationStats}. All values are fractions in [0, 1]; NaN marks an
 * undefined value (empty denominator) and is excluded from means under {@link AbsentClassPolicy#EXCLUDE}.
 *
 * <p>Definitions, with TP/FP/FN per class from the confusion matrix (rows: evaluated ground truth; columns:
 * predictions, including predictions of non-evaluated labels):
 * <ul>
 *   <li>TP = M[c][c]; FN = row sum - TP (a predicted ignored label is a miss); FP = column sum over evaluated
 *       rows - TP (pixels whose ground truth is ignored never count), exactly cityscapesScripts'
 *       {@code getIouScoreForLabel};</li>
 *   <li>IoU = TP / (TP + FP + FN); accuracy (recall) = TP / (TP + FN); precision = TP / (TP + FP);
 *       Dice = 2TP / (2TP + FP + FN);</li>
 *   <li>pixel accuracy = trace / all pixels whose ground truth is evaluated; mean accuracy = mean of recalls;
 *       frequency-weighted IoU = sum over classes of (row sum / all) x IoU, over classes present in ground truth;</li>
 *   <li>iIoU = TPw / (TPw + FP + FNw) with instance-weighted TPw, FNw ({@link InstanceStats}) and FP as above;
 *       category IoU and iIoU as cityscapesScripts' {@code getIouScoreForCategory} and
 *       {@code getInstanceIouScoreForCategory}.</li>
 * </ul>
 */
public final class MetricReport {
  /** The semseg code adds this to every denominator; reproduced under {@link AbsentClassPolicy#COUNT_AS_ZERO}. */
  static final double PSPNET_EPSILON = 1e-10;

  /** Per-class results; {@code iiou} is NaN for classes without instances. */
  public record ClassMetrics(int index, String name, int labelId, long truePositives, long falsePositives,
                             long falseNegatives, long groundTruthPixels, long predictedPixels, double iou,
                             double accuracy, double precision, double dice, double iiou,
                             double weightedTruePositives, double weightedFalseNegatives) {
  }

  /** Per-category results (Cityscapes); {@code iiou} is NaN for categories without an instance score. */
  public record CategoryMetrics(int index, String name, long truePositives, long falsePositives,
                                long falseNegatives, double iou, double iiou) {
  }

  private final AbsentClassPolicy policy;
  private final List<ClassMetrics> classes;
  private final List<CategoryMetrics> categories;
  private final double meanIou;
  private final double pixelAccuracy;
  private final double meanAccuracy;
  private final double frequencyWeightedIou;
  private final double meanInstanceIou;
  private final double categoryMeanIou;
  private final double categoryMeanInstanceIou;
  private final long evaluatedPixels;
  private final long correctPixels;
  private final long ignoredPixels;

  private MetricReport(AbsentClassPolicy policy, List<ClassMetrics> classes, List<CategoryMetrics> categories,
                       double meanIou, double pixelAccuracy, double meanAccuracy, double frequencyWeightedIou,
                       double meanInstanceIou, double categoryMeanIou, double categoryMeanInstanceIou,
                       long evaluatedPixels, long correctPixels, long ignoredPixels) {
    this.policy = policy;
    this.classes = List.copyOf(classes);
    this.categories = List.copyOf(categories);
    this.meanIou = meanIou;
    this.pixelAccuracy = pixelAccuracy;
    this.meanAccuracy = meanAccuracy;
    this.frequencyWeightedIou = frequencyWeightedIou;
    this.meanInstanceIou = meanInstanceIou;
    this.categoryMeanIou = categoryMeanIou;
    this.categoryMeanInstanceIou = categoryMeanInstanceIou;
    this.evaluatedPixels = evaluatedPixels;
    this.correctPixels = correctPixels;
    this.ignoredPixels = ignoredPixels;
  }

  public static MetricReport compute(ClassSpace space, SegmentationStats stats, AbsentClassPolicy policy) {
    ConfusionMatrix m = stats.confusion();
    int n = space.numClasses();
    if (m.rows() != n || m.columns() != space.numColumns()) {
      throw new IllegalArgumentException("Cannot compute metrics: confusion matrix does not match the class space");
    }
    InstanceStats inst = stats.instances();
    long total = m.total();
    long trace = m.trace();
    boolean zero = policy == AbsentClassPolicy.COUNT_AS_ZERO;

    List<ClassMetrics> classes = new ArrayList<>(n);
    double iouSum = 0;
    int iouCount = 0;
    double accSum = 0;
    int accCount = 0;
    double fw = 0;
    double iiouSum = 0;
    int iiouCount = 0;
    for (int c = 0; c < n; c++) {
      long tp = m.get(c, c);
      long gt = m.rowSum(c);
      long pred = m.columnSum(c);
      long fn = gt - tp;
      long fp = pred - tp;
      long union = tp + fp + fn;
      double iou;
      double acc;
      if (zero) {
        iou = tp / (union + PSPNET_EPSILON);
        acc = tp / (gt + PSPNET_EPSILON);
      } else {
        iou = ratio(tp, union);
        acc = ratio(tp, gt);
      }
      double precision = ratio(tp, tp + fp);
      double dice = ratio(2 * tp, 2 * tp + fp + fn);
      double iiou = Double.NaN;
      double tpw = Double.NaN;
      double fnw = Double.NaN;
      if (inst != null && space.classHasInstances(c)) {
        tpw = inst.classTpWeighted(c);
        fnw = inst.classFnWeighted(c);
        double denom = tpw + fp + fnw;
        iiou = denom == 0 ? Double.NaN : tpw / denom;
      }
      if (!Double.isNaN(iou)) {
        iouSum += iou;
        iouCount++;
      }
      if (!Double.isNaN(acc)) {
        accSum += acc;
        accCount++;
      }
      if (!Double.isNaN(iiou)) {
        iiouSum += iiou;
        iiouCount++;
      }
      if (gt > 0) {
        fw += ((double) gt / total) * iou;
      }
      classes.add(new ClassMetrics(c, space.className(c), space.columnLabelId(c), tp, fp, fn, gt, pred, iou, acc,
          precision, dice, iiou, tpw, fnw));
    }

    List<CategoryMetrics> cats = new ArrayList<>();
    double catIouSum = 0;
    int catIouCount = 0;
    double catIiouSum = 0;
    int catIiouCount = 0;
    for (int k = 0; k < space.categories().size(); k++) {
      long tp = 0;
      long rows = 0;
      long fp = 0;
      for (int r = 0; r < n; r++) {
        boolean rowIn = space.classCategory(r) == k;
        for (int col = 0; col < n; col++) {
          long v = m.get(r, col);
          boolean colIn = space.classCategory(col) == k;
          if (rowIn && colIn) {
            tp += v;
          } else if (!rowIn && colIn) {
            fp += v;
          }
        }
        if (rowIn) {
          rows += m.rowSum(r);
        }
      }
      long fn = rows - tp;
      double iou = ratio(tp, tp + fp + fn);
      double iiou = Double.NaN;
      if (inst != null && space.categoryHasInstanceScore(k)) {
        // False positives: predictions of any label of the category (ignored ones included) on evaluated
        // ground truth outside the category.
        long ifp = 0;
        for (int r = 0; r < n; r++) {
          if (space.classCategory(r) == k) {
            continue;
          }
          for (int col = 0; col < space.numColumns(); col++) {
            if (space.categoryInstanceHit(k, col)) {
              ifp += m.get(r, col);
            }
          }
        }
        double tpw = inst.categoryTpWeighted(k);
        double fnw = inst.categoryFnWeighted(k);
        double denom = tpw + ifp + fnw;
        iiou = denom == 0 ? Double.NaN : tpw / denom;
      }
      if (!Double.isNaN(iou)) {
        catIouSum += iou;
        catIouCount++;
      }
      if (!Double.isNaN(iiou)) {
        catIiouSum += iiou;
        catIiouCount++;
      }
      cats.add(new CategoryMetrics(k, space.categories().get(k), tp, fp, fn, iou, iiou));
    }

    double pixelAccuracy = zero ? trace / (total + PSPNET_EPSILON) : ratio(trace, total);
    double meanIou = zero ? iouSum / n : mean(iouSum, iouCount);
    double meanAcc = zero ? accSum / n : mean(accSum, accCount);
    double fwIou = total == 0 ? Double.NaN : fw;
    return new MetricReport(policy, classes, cats, meanIou, pixelAccuracy, meanAcc, fwIou,
        mean(iiouSum, iiouCount), mean(catIouSum, catIouCount), mean(catIiouSum, catIiouCount), total, trace,
        stats.ignoredPixels());
  }

  private static double ratio(long num, long den) {
    return den == 0 ? Double.NaN : (double) num / (double) den;
  }

  private static double mean(double sum, int count) {
    return count == 0 ? Double.NaN : sum / count;
  }

  public AbsentClassPolicy policy() {
    return policy;
  }

  public List<ClassMetrics> classes() {
    return classes;
  }

  public List<CategoryMetrics> categories() {
    return categories;
  }

  public double meanIou() {
    return meanIou;
  }

  public double pixelAccuracy() {
    return pixelAccuracy;
  }

  public double meanAccuracy() {
    return meanAccuracy;
  }

  public double frequencyWeightedIou() {
    return frequencyWeightedIou;
  }

  /** Mean of per-class iIoU over classes with instances (Cityscapes "iIoU"); NaN without instances. */
  public double meanInstanceIou() {
    return meanInstanceIou;
  }

  public double categoryMeanIou() {
    return categoryMeanIou;
  }

  public double categoryMeanInstanceIou() {
    return categoryMeanInstanceIou;
  }

  public long evaluatedPixels() {
    return evaluatedPixels;
  }

  public long correctPixels() {
    return correctPixels;
  }

  public long ignoredPixels() {
    return ignoredPixels;
  }
}
