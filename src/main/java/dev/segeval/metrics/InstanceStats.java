package dev.segeval.metrics;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Cityscapes instance statistics (cityscapesScripts' {@code instanceStats}): per class with instances and per
 * category with an instance score, the raw and the weighted true positives and false negatives of all
 * ground-truth instances. An instance's weight is the official average size of its class (or category)
 * divided by its own size, so that small instances count as much as large ones. False positives are not
 * kept here: iIoU takes them from the confusion matrix.
 */
public final class InstanceStats implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long[] classTp;
  private final long[] classFn;
  private final ExactSum[] classTpWeighted;
  private final ExactSum[] classFnWeighted;
  private final long[] categoryTp;
  private final long[] categoryFn;
  private final ExactSum[] categoryTpWeighted;
  private final ExactSum[] categoryFnWeighted;
  private long instances;

  public InstanceStats(int numClasses, int numCategories) {
    classTp = new long[numClasses];
    classFn = new long[numClasses];
    classTpWeighted = sums(numClasses);
    classFnWeighted = sums(numClasses);
    categoryTp = new long[numCategories];
    categoryFn = new long[numCategories];
    categoryTpWeighted = sums(numCategories);
    categoryFnWeighted = sums(numCategories);
  }

  private static ExactSum[] sums(int n) {
    ExactSum[] s = new ExactSum[n];
    for (int i = 0; i < n; i++) {
      s[i] = new ExactSum();
    }
    return s;
  }

  public int numClasses() {
    return classTp.length;
  }

  public int numCategories() {
    return categoryTp.length;
  }

  /** Adds one instance of class c: {@code tp} of its {@code size} pixels were predicted as c. */
  public void addClassInstance(int c, long tp, long size, double averageSize) {
    long fn = size - tp;
    // Same operations as the official script: weight = avg / float(size); tpWeighted = float(tp) * weight.
    double weight = averageSize / (double) size;
    classTp[c] += tp;
    classFn[c] += fn;
    classTpWeighted[c].add((double) tp * weight);
    classFnWeighted[c].add((double) fn * weight);
    instances++;
  }

  /** Adds one instance to category k: {@code tp} of its pixels were predicted as any label of the category. */
  public void addCategoryInstance(int k, long tp, long size, double averageSize) {
    long fn = size - tp;
    double weight = averageSize / (double) size;
    categoryTp[k] += tp;
    categoryFn[k] += fn;
    categoryTpWeighted[k].add((double) tp * weight);
    categoryFnWeighted[k].add((double) fn * weight);
  }

  /** Adds already-summed statistics (used when re-scoring stored per-image rows). */
  public void addClassTotals(int c, long tp, long fn, double tpWeighted, double fnWeighted) {
    classTp[c] += tp;
    classFn[c] += fn;
    classTpWeighted[c].add(tpWeighted);
    classFnWeighted[c].add(fnWeighted);
  }

  /** As {@link #addClassTotals(int, long, long, double, double)} with the exact weighted sums that were stored. */
  public void addClassTotals(int c, long tp, long fn, java.math.BigDecimal tpWeighted,
                             java.math.BigDecimal fnWeighted) {
    classTp[c] += tp;
    classFn[c] += fn;
    classTpWeighted[c].add(tpWeighted);
    classFnWeighted[c].add(fnWeighted);
  }

  public void addCategoryTotals(int k, long tp, long fn, java.math.BigDecimal tpWeighted,
                                java.math.BigDecimal fnWeighted) {
    categoryTp[k] += tp;
    categoryFn[k] += fn;
    categoryTpWeighted[k].add(tpWeighted);
    categoryFnWeighted[k].add(fnWeighted);
  }

  public void addCategoryTotals(int k, long tp, long fn, double tpWeighted, double fnWeighted) {
    categoryTp[k] += tp;
    categoryFn[k] += fn;
    categoryTpWeighted[k].add(tpWeighted);
    categoryFnWeighted[k].add(fnWeighted);
  }

  public InstanceStats merge(InstanceStats o) {
    if (o.classTp.length != classTp.length || o.categoryTp.length != categoryTp.length) {
      throw new IllegalArgumentException("Cannot merge instance statistics of different class spaces");
    }
    for (int c = 0; c < classTp.length; c++) {
      classTp[c] += o.classTp[c];
      classFn[c] += o.classFn[c];
      classTpWeighted[c].add(o.classTpWeighted[c]);
      classFnWeighted[c].add(o.classFnWeighted[c]);
    }
    for (int k = 0; k < categoryTp.length; k++) {
      categoryTp[k] += o.categoryTp[k];
      categoryFn[k] += o.categoryFn[k];
      categoryTpWeighted[k].add(o.categoryTpWeighted[k]);
      categoryFnWeighted[k].add(o.categoryFnWeighted[k]);
    }
    instances += o.instances;
    return this;
  }

  public InstanceStats copy() {
    return new InstanceStats(classTp.length, categoryTp.length).merge(this);
  }

  public long classTp(int c) {
    return classTp[c];
  }

  public long classFn(int c) {
    return classFn[c];
  }

  public double classTpWeighted(int c) {
    return classTpWeighted[c].value();
  }

  public double classFnWeighted(int c) {
    return classFnWeighted[c].value();
  }

  /** The exact weighted sums, before the one rounding to double. */
  public java.math.BigDecimal classTpWeightedExact(int c) {
    return classTpWeighted[c].exact();
  }

  public java.math.BigDecimal classFnWeightedExact(int c) {
    return classFnWeighted[c].exact();
  }

  public java.math.BigDecimal categoryTpWeightedExact(int k) {
    return categoryTpWeighted[k].exact();
  }

  public java.math.BigDecimal categoryFnWeightedExact(int k) {
    return categoryFnWeighted[k].exact();
  }

  /** The exact weighted sums as the images/ table stores them: {@code toString()} of the exact decimals. */
  public String classTpWeightedExactString(int c) {
    return classTpWeighted[c].exactString();
  }

  public String classFnWeightedExactString(int c) {
    return classFnWeighted[c].exactString();
  }

  public String categoryTpWeightedExactString(int k) {
    return categoryTpWeighted[k].exactString();
  }

  public String categoryFnWeightedExactString(int k) {
    return categoryFnWeighted[k].exactString();
  }

  public long categoryTp(int k) {
    return categoryTp[k];
  }

  public long categoryFn(int k) {
    return categoryFn[k];
  }

  public double categoryTpWeighted(int k) {
    return categoryTpWeighted[k].value();
  }

  public double categoryFnWeighted(int k) {
    return categoryFnWeighted[k].value();
  }

  /** Number of ground-truth instances scored (instances of ignored labels are not counted). */
  public long instances() {
    return instances;
  }

  /** Writes the statistics for {@link #readFrom} (the committed results of a run). */
  public void writeTo(java.io.DataOutput out) throws java.io.IOException {
    out.writeInt(classTp.length);
    out.writeInt(categoryTp.length);
    out.writeLong(instances);
    for (int c = 0; c < classTp.length; c++) {
      out.writeLong(classTp[c]);
      out.writeLong(classFn[c]);
      classTpWeighted[c].writeTo(out);
      classFnWeighted[c].writeTo(out);
    }
    for (int k = 0; k < categoryTp.length; k++) {
      out.writeLong(categoryTp[k]);
      out.writeLong(categoryFn[k]);
      categoryTpWeighted[k].writeTo(out);
      categoryFnWeighted[k].writeTo(out);
    }
  }

  /**
   * Reads statistics written by {@link #writeTo}.
   *
   * @throws java.io.IOException when a size or a count is out of range
   */
  public static InstanceStats readFrom(java.io.DataInput in) throws java.io.IOException {
    int numClasses = in.readInt();
    int numCategories = in.readInt();
    if (numClasses < 0 || numClasses > 1 << 16 || numCategories < 0 || numCategories > 1 << 16) {
      throw new java.io.IOException("not instance statistics (" + numClasses + " classes, " + numCategories
          + " categories)");
    }
    InstanceStats s = new InstanceStats(numClasses, numCategories);
    s.instances = nonNegative(in.readLong());
    for (int c = 0; c < numClasses; c++) {
      s.classTp[c] = nonNegative(in.readLong());
      s.classFn[c] = nonNegative(in.readLong());
      s.classTpWeighted[c] = ExactSum.readFrom(in);
      s.classFnWeighted[c] = ExactSum.readFrom(in);
    }
    for (int k = 0; k < numCategories; k++) {
      s.categoryTp[k] = nonNegative(in.readLong());
      s.categoryFn[k] = nonNegative(in.readLong());
      s.categoryTpWeighted[k] = ExactSum.readFrom(in);
      s.categoryFnWeighted[k] = ExactSum.readFrom(in);
    }
    return s;
  }

  private static long nonNegative(long count) throws java.io.IOException {
    if (count < 0) {
      throw new java.io.IOException("not instance statistics (negative count " + count + ")");
    }
    return count;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InstanceStats s && Arrays.equals(classTp, s.classTp) && Arrays.equals(classFn, s.classFn)
        && Arrays.equals(classTpWeighted, s.classTpWeighted) && Arrays.equals(classFnWeighted, s.classFnWeighted)
        && Arrays.equals(categoryTp, s.categoryTp) && Arrays.equals(categoryFn, s.categoryFn)
        && Arrays.equals(categoryTpWeighted, s.categoryTpWeighted)
        && Arrays.equals(categoryFnWeighted, s.categoryFnWeighted) && instances == s.instances;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(classTp) * 31 + Arrays.hashCode(categoryTp);
  }
}
