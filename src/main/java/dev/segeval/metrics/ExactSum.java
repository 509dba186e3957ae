package dev.segeval.metrics;

import java.io.Serializable;
import java.math.BigDecimal;

/**
 * An exact sum of doubles. Instance-weighted counts (Cityscapes iIoU) are sums of fractional weights; a plain
 * double sum would depend on the order in which Spark merges partitions. Summing exactly and rounding once at
 * the end makes the result independent of partitioning and equal to a single-threaded run bit for bit.
 * There are only a few additions per instance, so BigDecimal's cost is irrelevant next to the pixel loop.
 */
public final class ExactSum implements Serializable {
  private static final long serialVersionUID = 1L;

  private BigDecimal sum = BigDecimal.ZERO;

  public ExactSum() {
  }

  public ExactSum(BigDecimal initial) {
    this.sum = initial;
  }

  public void add(double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("Cannot add a non-finite value to an exact sum: " + value);
    }
    if (value != 0.0) {
      sum = sum.add(new BigDecimal(value));
    }
  }

  /** Adds an exact value (a stored exact sum read back). */
  public void add(BigDecimal value) {
    sum = sum.add(value);
  }

  public void add(ExactSum other) {
    sum = sum.add(other.sum);
  }

  /** The exact sum rounded once to the nearest double. */
  public double value() {
    return sum.doubleValue();
  }

  public BigDecimal exact() {
    return sum;
  }

  public ExactSum copy() {
    return new ExactSum(sum);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExactSum other && sum.compareTo(other.sum) == 0;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(value());
  }

  @Override
  public String toString() {
    return sum.toPlainString();
  }
}
