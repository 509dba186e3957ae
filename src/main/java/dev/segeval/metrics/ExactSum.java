package dev.segeval.metrics;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;

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

  /** The exact sum rounded once to the nearest double (ties to even), as {@link BigDecimal#doubleValue()}. */
  public double value() {
    return toDouble(sum);
  }

  private static final BigInteger[] POWERS_OF_TEN = new BigInteger[1200];

  private static BigInteger tenTo(int n) {
    if (n >= POWERS_OF_TEN.length) {
      return BigInteger.TEN.pow(n);
    }
    BigInteger p = POWERS_OF_TEN[n];
    if (p == null) {
      p = BigInteger.TEN.pow(n);
      POWERS_OF_TEN[n] = p; // a benign race: every thread computes the same value
    }
    return p;
  }

  /**
   * {@code x.doubleValue()} without the decimal string Java 17's BigDecimal goes through (a fifth of the time of
   * writing the images/ table at 100,000 Cityscapes images): u / 10^s is divided out to a quotient of at least 64
   * bits whose lowest bit also records a non-zero remainder (a sticky bit far below the rounding position), the
   * quotient is rounded to a double once by BigInteger (exact rounding, ties to even), and the power-of-two scale
   * is applied exactly. Values that would land among subnormal doubles take BigDecimal's own path.
   */
  static double toDouble(BigDecimal x) {
    int scale = x.scale();
    BigInteger u = x.unscaledValue();
    if (u.signum() == 0) {
      return 0.0;
    }
    if (scale <= 0 || u.bitLength() <= 53 && scale <= 22) {
      return x.doubleValue(); // an integer, or a small exact case Java handles without strings
    }
    BigInteger denominator = tenTo(scale);
    int shift = 66 + denominator.bitLength() - u.bitLength();
    BigInteger numerator = shift > 0 ? u.abs().shiftLeft(shift) : u.abs();
    if (shift < 0) {
      denominator = denominator.shiftLeft(-shift);
    }
    BigInteger[] qr = numerator.divideAndRemainder(denominator);
    BigInteger q = qr[1].signum() == 0 ? qr[0] : qr[0].setBit(0);
    double magnitude = Math.scalb(q.doubleValue(), -shift);
    if (!(magnitude > 2 * Double.MIN_NORMAL) || Double.isInfinite(magnitude)) {
      return x.doubleValue();
    }
    return u.signum() < 0 ? -magnitude : magnitude;
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
