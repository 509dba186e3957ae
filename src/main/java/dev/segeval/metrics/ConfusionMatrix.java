package dev.segeval.metrics;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Pixel counts of (ground-truth class, predicted column) pairs, 64-bit so that no dataset overflows.
 * Rows are evaluated classes; columns are evaluated classes followed by non-evaluated prediction values
 * (see {@link dev.segeval.labels.ClassSpace}). Merging is addition, so it is associative and commutative and
 * the empty matrix is its identity, as Spark's aggregation contract requires.
 */
public final class ConfusionMatrix implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int rows;
  private final int columns;
  private transient long[] counts;

  public ConfusionMatrix(int rows, int columns) {
    if (rows <= 0 || columns < rows) {
      throw new IllegalArgumentException("Cannot create a confusion matrix of " + rows + " x " + columns);
    }
    this.rows = rows;
    this.columns = columns;
    this.counts = new long[rows * columns];
  }

  public int rows() {
    return rows;
  }

  public int columns() {
    return columns;
  }

  public long get(int gt, int pred) {
    return counts[gt * columns + pred];
  }

  public void add(int gt, int pred, long n) {
    counts[gt * columns + pred] += n;
  }

  /** Direct access for the pixel loop: index is gt * columns + pred. */
  /** A matrix holding a copy of row-major counts (rows x columns). */
  public static ConfusionMatrix ofCounts(int rows, int columns, long[] counts) {
    ConfusionMatrix m = new ConfusionMatrix(rows, columns);
    if (counts.length != m.counts.length) {
      throw new IllegalArgumentException("Cannot build a " + rows + " x " + columns + " matrix from " + counts.length
          + " counts");
    }
    System.arraycopy(counts, 0, m.counts, 0, counts.length);
    return m;
  }

  long[] counts() {
    return counts;
  }

  public ConfusionMatrix merge(ConfusionMatrix other) {
    if (other.rows != rows || other.columns != columns) {
      throw new IllegalArgumentException(String.format(
          "Cannot merge a %d x %d confusion matrix into a %d x %d one", other.rows, other.columns, rows, columns));
    }
    long[] o = other.counts;
    for (int i = 0; i < counts.length; i++) {
      counts[i] += o[i];
    }
    return this;
  }

  public ConfusionMatrix copy() {
    ConfusionMatrix m = new ConfusionMatrix(rows, columns);
    System.arraycopy(counts, 0, m.counts, 0, counts.length);
    return m;
  }

  /** Ground-truth pixels of class c (any prediction). */
  public long rowSum(int c) {
    long s = 0;
    int base = c * columns;
    for (int j = 0; j < columns; j++) {
      s += counts[base + j];
    }
    return s;
  }

  /** Predictions of column j on evaluated ground truth. */
  public long columnSum(int j) {
    long s = 0;
    for (int i = 0; i < rows; i++) {
      s += counts[i * columns + j];
    }
    return s;
  }

  public long total() {
    long s = 0;
    for (long c : counts) {
      s += c;
    }
    return s;
  }

  public long trace() {
    long s = 0;
    for (int i = 0; i < rows; i++) {
      s += counts[i * columns + i];
    }
    return s;
  }

  public boolean isEmpty() {
    for (long c : counts) {
      if (c != 0) {
        return false;
      }
    }
    return true;
  }

  /** Non-zero cells as {gt, pred, count} triples in row-major order. */
  public long[][] nonZeroCells() {
    int n = 0;
    for (long c : counts) {
      if (c != 0) {
        n++;
      }
    }
    long[][] cells = new long[n][];
    int k = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0) {
        cells[k++] = new long[] {i / columns, i % columns, counts[i]};
      }
    }
    return cells;
  }

  /**
   * Serialised sparsely: a per-image matrix is mostly zeros (ADE20K's is 150 x 151 cells, a few dozen non-zero),
   * and Spark keeps one per image while the run's tables are written.
   */
  private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
    out.defaultWriteObject();
    int nonZero = 0;
    for (long c : counts) {
      if (c != 0) {
        nonZero++;
      }
    }
    out.writeInt(nonZero);
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0) {
        out.writeInt(i);
        out.writeLong(counts[i]);
      }
    }
  }

  private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
    in.defaultReadObject();
    counts = new long[rows * columns];
    int nonZero = in.readInt();
    for (int k = 0; k < nonZero; k++) {
      int i = in.readInt();
      counts[i] = in.readLong();
    }
  }

  /** Rows or columns a stored matrix may have (ADE20K's 150 x 151 is the largest table shipped). */
  private static final int MAX_STORED_SIDE = 1 << 16;

  /** Writes the matrix for {@link #readFrom}, sparsely as {@code writeObject} does: shape, then the non-zero cells. */
  public void writeTo(java.io.DataOutput out) throws java.io.IOException {
    out.writeInt(rows);
    out.writeInt(columns);
    int nonZero = 0;
    for (long c : counts) {
      if (c != 0) {
        nonZero++;
      }
    }
    out.writeInt(nonZero);
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0) {
        out.writeInt(i);
        out.writeLong(counts[i]);
      }
    }
  }

  /**
   * Reads a matrix written by {@link #writeTo}.
   *
   * @throws java.io.IOException when the shape, a cell index or a count is out of range
   */
  public static ConfusionMatrix readFrom(java.io.DataInput in) throws java.io.IOException {
    int rows = in.readInt();
    int columns = in.readInt();
    if (rows <= 0 || columns < rows || columns > MAX_STORED_SIDE || (long) rows * columns > 1 << 22) {
      throw new java.io.IOException("not a confusion matrix (" + rows + " x " + columns + ")");
    }
    ConfusionMatrix m = new ConfusionMatrix(rows, columns);
    int nonZero = in.readInt();
    if (nonZero < 0 || nonZero > m.counts.length) {
      throw new java.io.IOException("not a confusion matrix (" + nonZero + " non-zero cells)");
    }
    for (int k = 0; k < nonZero; k++) {
      int i = in.readInt();
      long count = in.readLong();
      if (i < 0 || i >= m.counts.length || count < 0) {
        throw new java.io.IOException("not a confusion matrix (cell " + i + ", count " + count + ")");
      }
      m.counts[i] = count;
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfusionMatrix m && m.rows == rows && m.columns == columns
        && Arrays.equals(m.counts, counts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(counts);
  }
}
