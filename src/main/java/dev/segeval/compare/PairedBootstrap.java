package dev.segeval.compare;

import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.ConfusionMatrix;
import dev.segeval.metrics.ExactSum;
import dev.segeval.metrics.InstanceStats;
import dev.segeval.metrics.MetricReport;
import dev.segeval.metrics.SegmentationStats;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A paired bootstrap over images from the per-image sufficient statistics of two runs over the same images. Each
 * resample draws image indices with replacement (the same draw for both runs), sums the drawn images' statistics
 * with their multiplicities and computes every metric exactly as {@code evaluate} does ({@link MetricReport}, same
 * absent-class policy). No pixel is read again.
 *
 * <p>Exactness: confusion and instance counts are integers. The instance-weighted sums (Cityscapes iIoU) are exact
 * sums of doubles, i.e. dyadic rationals; they are held as integers at one common binary exponent, split into
 * 32-bit limbs, so that a resample's sum is exact whatever the order and is rounded once to double, exactly as
 * {@code evaluate}'s {@code ExactSum} rounds. The identity draw (every image once) therefore reproduces the run's
 * metrics bit for bit.
 */
public final class PairedBootstrap {
  /** The headline metrics, in this order in every metric vector. */
  public static final List<String> HEADLINE = List.of("mIoU", "pixelAccuracy", "meanAccuracy", "fwIoU", "iIoU",
      "categoryIoU", "categoryIIoU");

  private final ClassSpace space;
  private final AbsentClassPolicy policy;
  private final RunImages baseline;
  private final RunImages current;
  private final int images;

  /**
   * @param baseline per-image statistics of the baseline run, paired by position with {@code current}
   * @param current  per-image statistics of the current run
   */
  public PairedBootstrap(ClassSpace space, AbsentClassPolicy policy, List<SegmentationStats> baseline,
                         List<SegmentationStats> current) {
    if (baseline.size() != current.size() || baseline.isEmpty()) {
      throw new IllegalArgumentException("Cannot bootstrap " + baseline.size() + " against " + current.size()
          + " images: the runs must be paired image by image");
    }
    this.space = space;
    this.policy = policy;
    this.images = baseline.size();
    List<SegmentationStats> all = new ArrayList<>(baseline);
    all.addAll(current);
    int exponent = commonExponent(all);
    this.baseline = new RunImages(space, baseline, exponent);
    this.current = new RunImages(space, current, exponent);
  }

  /** Number of values in a metric vector: the headline metrics, then per-class IoU, then per-class iIoU. */
  public int metricCount() {
    return HEADLINE.size() + 2 * space.numClasses();
  }

  /** Names of the metric vector's entries. */
  public List<String> metricNames() {
    List<String> names = new ArrayList<>(HEADLINE);
    for (int c = 0; c < space.numClasses(); c++) {
      names.add("IoU " + space.className(c));
    }
    for (int c = 0; c < space.numClasses(); c++) {
      names.add("iIoU " + space.className(c));
    }
    return names;
  }

  /** The metrics of both runs on one draw: {@code [0]} baseline, {@code [1]} current. */
  public double[][] metrics(int[] multiplicity) {
    return new double[][] {vector(baseline.report(multiplicity, space, policy)),
        vector(current.report(multiplicity, space, policy))};
  }

  /** The draw with every image once: the runs' own metrics. */
  public int[] identity() {
    int[] m = new int[images];
    java.util.Arrays.fill(m, 1);
    return m;
  }

  /** A draw of {@code images} indices with replacement, as multiplicities. */
  public int[] draw(SplittableRandom random) {
    int[] m = new int[images];
    for (int i = 0; i < images; i++) {
      m[random.nextInt(images)]++;
    }
    return m;
  }

  /**
   * Runs the bootstrap.
   *
   * @return per resample, current minus baseline of every metric ({@code [resample][metric]}; NaN when the metric
   *         is undefined on either side of that resample)
   */
  public double[][] deltas(int resamples, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] out = new double[resamples][];
    for (int r = 0; r < resamples; r++) {
      double[][] m = metrics(draw(random));
      double[] d = new double[m[0].length];
      for (int k = 0; k < d.length; k++) {
        d[k] = m[1][k] - m[0][k];
      }
      out[r] = d;
    }
    return out;
  }

  public static double[] headline(MetricReport r) {
    return new double[] {r.meanIou(), r.pixelAccuracy(), r.meanAccuracy(), r.frequencyWeightedIou(),
        r.meanInstanceIou(), r.categoryMeanIou(), r.categoryMeanInstanceIou()};
  }

  private double[] vector(MetricReport r) {
    int c = space.numClasses();
    double[] v = new double[HEADLINE.size() + 2 * c];
    System.arraycopy(headline(r), 0, v, 0, HEADLINE.size());
    for (int k = 0; k < c; k++) {
      v[HEADLINE.size() + k] = r.classes().get(k).iou();
      v[HEADLINE.size() + c + k] = r.classes().get(k).iiou();
    }
    return v;
  }

  /** The smallest binary exponent of any weighted sum: every one is an integer multiple of 2^exponent. */
  static int commonExponent(List<SegmentationStats> stats) {
    int e = 0;
    for (SegmentationStats s : stats) {
      InstanceStats inst = s.instances();
      if (inst == null) {
        continue;
      }
      for (int c = 0; c < inst.numClasses(); c++) {
        e = Math.min(e, Math.min(Dyadic.exponent(inst.classTpWeightedExact(c)),
            Dyadic.exponent(inst.classFnWeightedExact(c))));
      }
      for (int k = 0; k < inst.numCategories(); k++) {
        e = Math.min(e, Math.min(Dyadic.exponent(inst.categoryTpWeightedExact(k)),
            Dyadic.exponent(inst.categoryFnWeightedExact(k))));
      }
    }
    return e;
  }

  /** Exact dyadic rationals as integers times a power of two. */
  static final class Dyadic {
    private static final BigInteger FIVE = BigInteger.valueOf(5);

    private Dyadic() {
    }

    /** The exponent e of value = k * 2^e with the smallest |e| for this decimal representation. */
    static int exponent(BigDecimal value) {
      return value.signum() == 0 ? 0 : -Math.max(0, value.stripTrailingZeros().scale());
    }

    /** value / 2^exponent, which must be an integer. */
    static BigInteger scaled(BigDecimal value, int exponent) {
      BigDecimal v = value.stripTrailingZeros();
      int scale = Math.max(0, v.scale());
      // v = u / 10^scale = (u / 5^scale) / 2^scale; a sum of doubles has u divisible by 5^scale.
      BigInteger u = v.scale() < 0 ? v.toBigIntegerExact() : v.unscaledValue();
      BigInteger[] qr = u.divideAndRemainder(FIVE.pow(scale));
      if (qr[1].signum() != 0) {
        throw new IllegalArgumentException("Not a sum of doubles: " + value);
      }
      return qr[0].shiftLeft(-exponent - scale);
    }
  }

  /** One run's images in a compact form for summing with multiplicities. */
  static final class RunImages {
    private final int rows;
    private final int columns;
    private final int[][] cellIndex;
    private final long[][] cellCount;
    private final int numClasses;
    private final int numCategories;
    private final boolean instances;
    // Per image: slots (c for class c, numClasses + k for category k), integer counts and the weighted sums as
    // 32-bit limbs of value / 2^exponent.
    private final int[][] slot;
    private final long[][] tp;
    private final long[][] fn;
    private final long[][][] tpWeighted;
    private final long[][][] fnWeighted;
    private final int limbs;
    private final int exponent;

    RunImages(ClassSpace space, List<SegmentationStats> stats, int exponent) {
      this.rows = space.numClasses();
      this.columns = space.numColumns();
      this.numClasses = space.numClasses();
      this.numCategories = space.categories().size();
      this.exponent = exponent;
      int n = stats.size();
      cellIndex = new int[n][];
      cellCount = new long[n][];
      slot = new int[n][];
      tp = new long[n][];
      fn = new long[n][];
      tpWeighted = new long[n][][];
      fnWeighted = new long[n][][];
      boolean anyInstances = false;
      List<BigInteger[]> bigs = new ArrayList<>();
      int maxBits = 1;
      for (int i = 0; i < n; i++) {
        SegmentationStats s = stats.get(i);
        long[][] cells = s.confusion().nonZeroCells();
        cellIndex[i] = new int[cells.length];
        cellCount[i] = new long[cells.length];
        for (int k = 0; k < cells.length; k++) {
          cellIndex[i][k] = (int) (cells[k][0] * columns + cells[k][1]);
          cellCount[i][k] = cells[k][2];
        }
        InstanceStats inst = s.instances();
        if (inst == null) {
          slot[i] = new int[0];
          bigs.add(new BigInteger[0]);
          continue;
        }
        anyInstances = true;
        List<Integer> used = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
          if (inst.classTp(c) + inst.classFn(c) > 0) {
            used.add(c);
          }
        }
        for (int k = 0; k < numCategories; k++) {
          if (inst.categoryTp(k) + inst.categoryFn(k) > 0) {
            used.add(numClasses + k);
          }
        }
        slot[i] = used.stream().mapToInt(Integer::intValue).toArray();
        tp[i] = new long[used.size()];
        fn[i] = new long[used.size()];
        BigInteger[] b = new BigInteger[2 * used.size()];
        for (int u = 0; u < used.size(); u++) {
          int sl = used.get(u);
          boolean cls = sl < numClasses;
          int idx = cls ? sl : sl - numClasses;
          tp[i][u] = cls ? inst.classTp(idx) : inst.categoryTp(idx);
          fn[i][u] = cls ? inst.classFn(idx) : inst.categoryFn(idx);
          b[2 * u] = Dyadic.scaled(cls ? inst.classTpWeightedExact(idx) : inst.categoryTpWeightedExact(idx),
              exponent);
          b[2 * u + 1] = Dyadic.scaled(cls ? inst.classFnWeightedExact(idx) : inst.categoryFnWeightedExact(idx),
              exponent);
          maxBits = Math.max(maxBits, Math.max(b[2 * u].bitLength(), b[2 * u + 1].bitLength()));
        }
        bigs.add(b);
      }
      this.instances = anyInstances;
      this.limbs = (maxBits + 31) / 32;
      for (int i = 0; i < n; i++) {
        BigInteger[] b = bigs.get(i);
        tpWeighted[i] = new long[b.length / 2][];
        fnWeighted[i] = new long[b.length / 2][];
        for (int u = 0; u < b.length / 2; u++) {
          tpWeighted[i][u] = limbsOf(b[2 * u], limbs);
          fnWeighted[i][u] = limbsOf(b[2 * u + 1], limbs);
        }
      }
    }

    static long[] limbsOf(BigInteger v, int limbs) {
      if (v.signum() < 0) {
        throw new IllegalArgumentException("Weighted sums are not negative: " + v);
      }
      long[] out = new long[limbs];
      for (int j = 0; j < limbs; j++) {
        out[j] = v.shiftRight(32 * j).longValue() & 0xFFFFFFFFL;
      }
      return out;
    }

    MetricReport report(int[] multiplicity, ClassSpace space, AbsentClassPolicy policy) {
      long[] counts = new long[rows * columns];
      int slots = numClasses + numCategories;
      long[] tpSum = new long[slots];
      long[] fnSum = new long[slots];
      long[][] tpw = instances ? new long[slots][limbs] : null;
      long[][] fnw = instances ? new long[slots][limbs] : null;
      boolean[] present = new boolean[slots];
      for (int i = 0; i < multiplicity.length; i++) {
        long m = multiplicity[i];
        if (m == 0) {
          continue;
        }
        int[] idx = cellIndex[i];
        long[] cnt = cellCount[i];
        for (int k = 0; k < idx.length; k++) {
          counts[idx[k]] += m * cnt[k];
        }
        if (!instances) {
          continue;
        }
        int[] sl = slot[i];
        for (int u = 0; u < sl.length; u++) {
          int s = sl[u];
          present[s] = true;
          tpSum[s] += m * tp[i][u];
          fnSum[s] += m * fn[i][u];
          long[] a = tpWeighted[i][u];
          long[] b = fnWeighted[i][u];
          long[] ta = tpw[s];
          long[] fa = fnw[s];
          // Limbs are below 2^32 and multiplicities sum to the image count: no limb sum can overflow.
          for (int j = 0; j < limbs; j++) {
            ta[j] += m * a[j];
            fa[j] += m * b[j];
          }
        }
      }
      InstanceStats inst = null;
      if (space.instanceEvaluation()) {
        inst = new InstanceStats(numClasses, numCategories);
        if (instances) {
          for (int s = 0; s < slots; s++) {
            if (!present[s]) {
              continue;
            }
            double tw = toDouble(tpw[s]);
            double fw = toDouble(fnw[s]);
            if (s < numClasses) {
              inst.addClassTotals(s, tpSum[s], fnSum[s], tw, fw);
            } else {
              inst.addCategoryTotals(s - numClasses, tpSum[s], fnSum[s], tw, fw);
            }
          }
        }
      }
      SegmentationStats stats = new SegmentationStats(ConfusionMatrix.ofCounts(rows, columns, counts), inst);
      return MetricReport.compute(space, stats, policy);
    }

    /** The exact sum (limbs times 2^exponent) rounded once to the nearest double, as ExactSum rounds. */
    private double toDouble(long[] limbSums) {
      BigInteger total = BigInteger.ZERO;
      for (int j = limbSums.length - 1; j >= 0; j--) {
        total = total.shiftLeft(32).add(BigInteger.valueOf(limbSums[j]));
      }
      return ExactSum.roundToDouble(total, exponent);
    }
  }
}
