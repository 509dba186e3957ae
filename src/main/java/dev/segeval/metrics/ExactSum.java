package dev.segeval.metrics;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * An exact sum of doubles. Instance-weighted counts (Cityscapes iIoU) are sums of fractional weights; a plain
 * double sum would depend on the order in which Spark merges partitions. Summing exactly and rounding once at
 * the end makes the result independent of partitioning and equal to a single-threaded run bit for bit.
 *
 * <p>The sum is kept in binary, as 32-bit digits in signed {@code long} limbs over a window of the exponent range
 * that grows as needed: every double is an integer times a power of two, so adding one is two shifts and three
 * limb additions. (An earlier version summed {@code new BigDecimal(double)}, whose exact decimal expansion
 * multiplies by a power of five: a quarter of the scoring core's time with instances.) Carries are propagated
 * lazily, before any limb could overflow. The decimal form is built only where the exact value is written out,
 * with the scale a sum of {@code BigDecimal}s would have had, so the stored strings are unchanged.
 */
public final class ExactSum implements Serializable {
  private static final long serialVersionUID = 2L;
  private static final long DIGIT = 0xFFFF_FFFFL;
  /** Limb additions since the last carry propagation; each changes a limb by less than 2^34. */
  private static final int CARRY_EVERY = 1 << 27;

  /** value = sum of limbs[i] * 2^(32 * (base + i)); null while the sum is zero and nothing was added. */
  private long[] limbs;
  private int base;
  private int pending;
  /** The scale of the equivalent BigDecimal sum: the most fractional decimal digits of any term (at least 0). */
  private int scale;

  public ExactSum() {
  }

  public ExactSum(BigDecimal initial) {
    add(initial);
  }

  public void add(double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("Cannot add a non-finite value to an exact sum: " + value);
    }
    if (value == 0.0) {
      return;
    }
    long bits = Double.doubleToRawLongBits(value);
    int biased = (int) (bits >>> 52) & 0x7FF;
    long mantissa = bits & 0x000F_FFFF_FFFF_FFFFL;
    int exponent;
    if (biased == 0) {
      exponent = -1074; // subnormal
    } else {
      mantissa |= 1L << 52;
      exponent = biased - 1075;
    }
    // new BigDecimal(value) has as many decimal places as value has binary ones.
    int fractionBits = -(exponent + Long.numberOfTrailingZeros(mantissa));
    if (fractionBits > scale) {
      scale = fractionBits;
    }
    int limb = Math.floorDiv(exponent, 32);
    int shift = exponent - 32 * limb;
    ensureWindow(limb, limb + 2);
    long low = (mantissa & DIGIT) << shift; // < 2^63
    long high = (mantissa >>> 32) << shift; // < 2^52
    long d0 = low & DIGIT;
    long d1 = (low >>> 32) + (high & DIGIT);
    long d2 = high >>> 32;
    int i = limb - base;
    if (value > 0) {
      limbs[i] += d0;
      limbs[i + 1] += d1;
      limbs[i + 2] += d2;
    } else {
      limbs[i] -= d0;
      limbs[i + 1] -= d1;
      limbs[i + 2] -= d2;
    }
    if (++pending >= CARRY_EVERY) {
      propagateCarries();
    }
  }

  /**
   * Adds an exact value: a stored exact sum read back. It must be a sum of doubles, that is a decimal whose
   * value is an integer times a power of two; anything else was not written by an exact sum.
   */
  public void add(BigDecimal value) {
    int valueScale = Math.max(0, value.scale());
    if (value.signum() == 0) {
      scale = Math.max(scale, valueScale);
      return;
    }
    BigInteger unscaled = value.scale() < 0 ? value.toBigIntegerExact() : value.unscaledValue();
    int s = Math.max(0, value.scale());
    // value = u / 10^s = (u / 5^s) * 2^-s
    BigInteger[] qr = unscaled.divideAndRemainder(fiveTo(s));
    if (qr[1].signum() != 0) {
      throw new ArithmeticException("Not an exact sum of doubles (not a multiple of a power of two): "
          + value.toPlainString());
    }
    addScaled(qr[0], -s);
    scale = Math.max(scale, valueScale);
  }

  public void add(ExactSum other) {
    if (other.limbs != null) {
      ensureWindow(other.base, other.base + other.limbs.length - 1);
      int offset = other.base - base;
      for (int j = 0; j < other.limbs.length; j++) {
        limbs[offset + j] += other.limbs[j];
      }
      pending += other.pending + 1;
      if (pending >= CARRY_EVERY) {
        propagateCarries();
      }
    }
    scale = Math.max(scale, other.scale);
  }

  /** Adds t * 2^exponent. */
  private void addScaled(BigInteger t, int exponent) {
    int limb = Math.floorDiv(exponent, 32);
    BigInteger aligned = t.shiftLeft(exponent - 32 * limb);
    boolean negative = aligned.signum() < 0;
    BigInteger magnitude = aligned.abs();
    int digits = (magnitude.bitLength() + 31) / 32;
    ensureWindow(limb, limb + digits);
    int i = limb - base;
    for (int k = 0; k < digits; k++) {
      long d = magnitude.shiftRight(32 * k).longValue() & DIGIT;
      limbs[i + k] += negative ? -d : d;
    }
    pending += 1;
    propagateCarries();
  }

  /** Makes limbs cover limb indices [from, to] plus one spare limb on top for carries. */
  private void ensureWindow(int from, int to) {
    if (limbs == null) {
      base = from;
      limbs = new long[to - from + 2];
      return;
    }
    int top = base + limbs.length - 1;
    if (from >= base && to + 1 <= top) {
      return;
    }
    int newBase = Math.min(base, from);
    int newTop = Math.max(top, to + 1);
    long[] grown = new long[newTop - newBase + 1];
    System.arraycopy(limbs, 0, grown, base - newBase, limbs.length);
    limbs = grown;
    base = newBase;
  }

  /** Leaves every limb but the top one in [0, 2^32), without changing the value. */
  private void propagateCarries() {
    long carry = 0;
    int last = limbs.length - 1;
    for (int i = 0; i < last; i++) {
      long v = limbs[i] + carry;
      limbs[i] = v & DIGIT;
      carry = v >> 32;
    }
    limbs[last] += carry;
    pending = 0;
    if (Math.abs(limbs[last]) > DIGIT) {
      ensureWindow(base, base + limbs.length); // room for the next carry
      propagateCarries();
    }
  }

  /** The sum as an integer times 2^(32 * base). */
  private BigInteger integer() {
    if (limbs == null) {
      return BigInteger.ZERO;
    }
    // With the carries propagated (on a copy: reading the sum leaves it as it is) every limb below the top one is
    // a 32-bit digit, so the two's complement bytes are the signed top limb followed by the digits: one
    // BigInteger built from one array, instead of a shift and an add per limb.
    long[] digits = limbs.clone();
    long carry = 0;
    int last = digits.length - 1;
    for (int i = 0; i < last; i++) {
      long v = digits[i] + carry;
      digits[i] = v & DIGIT;
      carry = v >> 32;
    }
    long top = digits[last] + carry; // |top| stays far below 2^63: pending carries are bounded by the window
    byte[] bytes = new byte[8 + 4 * last];
    for (int k = 0; k < 8; k++) {
      bytes[k] = (byte) (top >>> (56 - 8 * k));
    }
    for (int i = last - 1, at = 8; i >= 0; i--, at += 4) {
      long d = digits[i];
      bytes[at] = (byte) (d >>> 24);
      bytes[at + 1] = (byte) (d >>> 16);
      bytes[at + 2] = (byte) (d >>> 8);
      bytes[at + 3] = (byte) d;
    }
    return new BigInteger(bytes);
  }

  /** The exact sum rounded once to the nearest double (ties to even), as {@link BigDecimal#doubleValue()}. */
  public double value() {
    return limbs == null ? 0.0 : roundToDouble(integer(), 32 * base);
  }

  /**
   * t * 2^exponent rounded once to the nearest double, ties to even. t is cut to at most 64 bits whose lowest
   * bit also records whether anything non-zero was cut (a sticky bit far below the rounding position), so the
   * one rounding {@link BigInteger#doubleValue()} does is the correct one; scaling by a power of two is then
   * exact. Results among subnormal doubles take BigDecimal's path.
   */
  public static double roundToDouble(BigInteger t, int exponent) {
    if (t.signum() == 0) {
      return 0.0;
    }
    BigInteger magnitude = t.abs();
    int cut = magnitude.bitLength() - 64;
    BigInteger kept = magnitude;
    if (cut > 0) {
      kept = magnitude.shiftRight(cut);
      if (magnitude.getLowestSetBit() < cut) {
        kept = kept.setBit(0);
      }
    } else {
      cut = 0;
    }
    long scaleBy = (long) exponent + cut;
    double rounded = kept.doubleValue();
    double result;
    if (scaleBy + Math.getExponent(rounded) < Double.MIN_EXPONENT + 1 || scaleBy < Integer.MIN_VALUE / 2) {
      result = exactDecimal(magnitude, exponent).doubleValue(); // subnormal: a second rounding would be wrong
    } else if (scaleBy + Math.getExponent(rounded) > Double.MAX_EXPONENT) {
      result = Double.POSITIVE_INFINITY;
    } else {
      result = Math.scalb(rounded, (int) scaleBy);
    }
    return t.signum() < 0 ? -result : result;
  }

  private static BigDecimal exactDecimal(BigInteger t, int exponent) {
    return exponent >= 0 ? new BigDecimal(t.shiftLeft(exponent)) : new BigDecimal(t.multiply(fiveTo(-exponent)),
        -exponent);
  }

  /** The exact sum as the decimal a sum of {@code new BigDecimal(double)} terms would have been. */
  public BigDecimal exact() {
    BigInteger t = integer();
    int exponent = 32 * base;
    // value = t * 2^e = t * 5^scale * 2^(e + scale) / 10^scale; e + scale < 0 only when t has those low zero bits.
    int twos = exponent + scale;
    BigInteger u = t.multiply(fiveTo(scale));
    u = twos >= 0 ? u.shiftLeft(twos) : u.shiftRight(-twos);
    return new BigDecimal(u, scale);
  }

  /**
   * {@code exact().toString()}, spelled without {@link BigInteger#toString()}: the images/ table stores the exact
   * weighted sums of every image as strings, and BigInteger's decimal conversion was a sixth of the time it took to
   * write that table. The layout rules are BigDecimal's (plain up to six leading zeros after the point, else
   * E-notation), pinned by ExactSumTest against {@code exact().toString()}.
   */
  public String exactString() {
    BigDecimal e = exact();
    BigInteger unscaled = e.unscaledValue();
    String coefficient = digits(unscaled.abs());
    int scale = e.scale();
    StringBuilder out = new StringBuilder(coefficient.length() + 8);
    if (unscaled.signum() < 0) {
      out.append('-');
    }
    if (scale == 0) {
      return out.append(coefficient).toString();
    }
    long adjusted = -(long) scale + (coefficient.length() - 1);
    if (scale > 0 && adjusted >= -6) {
      int pad = scale - coefficient.length();
      if (pad >= 0) {
        out.append("0.");
        out.append("0".repeat(pad));
        out.append(coefficient);
      } else {
        out.append(coefficient, 0, -pad).append('.').append(coefficient, -pad, coefficient.length());
      }
    } else {
      out.append(coefficient.charAt(0));
      if (coefficient.length() > 1) {
        out.append('.').append(coefficient, 1, coefficient.length());
      }
      if (adjusted != 0) {
        out.append('E');
        if (adjusted > 0) {
          out.append('+');
        }
        out.append(adjusted);
      }
    }
    return out.toString();
  }

  /** The decimal digits of a non-negative integer, nine at a time by long division of its 32-bit words. */
  static String digits(BigInteger magnitude) {
    if (magnitude.bitLength() < 63) {
      return Long.toString(magnitude.longValue());
    }
    byte[] bytes = magnitude.toByteArray(); // big-endian, maybe a leading zero byte
    int words = (bytes.length + 3) / 4;
    int[] mag = new int[words];
    for (int i = bytes.length - 1, k = 0; i >= 0; i--, k++) {
      mag[words - 1 - k / 4] |= (bytes[i] & 0xFF) << (8 * (k % 4));
    }
    int[] chunks = new int[words * 32 / 29 + 2]; // 10^9 > 2^29: at most this many base-10^9 digits
    int count = 0;
    int start = 0;
    while (start < words) {
      long remainder = 0;
      for (int i = start; i < words; i++) {
        long current = remainder << 32 | (mag[i] & 0xFFFF_FFFFL);
        mag[i] = (int) (current / 1_000_000_000L);
        remainder = current % 1_000_000_000L;
      }
      chunks[count++] = (int) remainder;
      while (start < words && mag[start] == 0) {
        start++;
      }
    }
    StringBuilder out = new StringBuilder(count * 9);
    out.append(chunks[count - 1]);
    for (int i = count - 2; i >= 0; i--) {
      String chunk = Integer.toString(chunks[i]);
      for (int pad = chunk.length(); pad < 9; pad++) {
        out.append('0');
      }
      out.append(chunk);
    }
    return out.toString();
  }

  private static final BigInteger FIVE = BigInteger.valueOf(5);
  private static final BigInteger[] POWERS_OF_FIVE = new BigInteger[1200];

  private static BigInteger fiveTo(int n) {
    if (n >= POWERS_OF_FIVE.length) {
      return FIVE.pow(n);
    }
    BigInteger p = POWERS_OF_FIVE[n];
    if (p == null) {
      p = FIVE.pow(n);
      POWERS_OF_FIVE[n] = p; // a benign race: every thread computes the same value
    }
    return p;
  }

  public ExactSum copy() {
    ExactSum c = new ExactSum();
    c.limbs = limbs == null ? null : limbs.clone();
    c.base = base;
    c.pending = pending;
    c.scale = scale;
    return c;
  }

  private int signum() {
    return integer().signum();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ExactSum other)) {
      return false;
    }
    ExactSum difference = other.copy();
    difference.subtract(this);
    return difference.signum() == 0;
  }

  private void subtract(ExactSum other) {
    if (other.limbs != null) {
      long[] negated = other.limbs.clone();
      for (int j = 0; j < negated.length; j++) {
        negated[j] = -negated[j];
      }
      ExactSum n = new ExactSum();
      n.limbs = negated;
      n.base = other.base;
      n.pending = other.pending;
      add(n);
    }
  }

  @Override
  public int hashCode() {
    return Double.hashCode(value());
  }

  /** Limbs a stored sum may have: a sum of doubles spans at most (1074 + 1024) / 32 + 3 of them. */
  private static final int MAX_STORED_LIMBS = 256;

  /**
   * Writes the sum for {@link #readFrom}: the committed results of a run (RunDirectory's chunk files), without
   * Java serialisation's class descriptors per object.
   */
  public void writeTo(java.io.DataOutput out) throws java.io.IOException {
    out.writeInt(scale);
    if (limbs == null) {
      out.writeInt(0);
      return;
    }
    out.writeInt(limbs.length);
    out.writeInt(base);
    for (long limb : limbs) {
      out.writeLong(limb);
    }
  }

  /**
   * Reads a sum written by {@link #writeTo}. The stored limbs are checked and their carries propagated, so that a
   * damaged or foreign file fails here instead of overflowing a later addition.
   *
   * @throws java.io.IOException when the stored sum cannot have been written by an exact sum
   */
  public static ExactSum readFrom(java.io.DataInput in) throws java.io.IOException {
    ExactSum s = new ExactSum();
    int scale = in.readInt();
    int length = in.readInt();
    if (scale < 0 || scale > 1 << 20 || length < 0 || length > MAX_STORED_LIMBS) {
      throw new java.io.IOException("not an exact sum (scale " + scale + ", " + length + " limbs)");
    }
    s.scale = scale;
    if (length == 0) {
      return s;
    }
    int base = in.readInt();
    if (base < -(1 << 20) || base > 1 << 20) {
      throw new java.io.IOException("not an exact sum (limb base " + base + ")");
    }
    long[] limbs = new long[length];
    for (int i = 0; i < length; i++) {
      limbs[i] = in.readLong();
      if (Math.abs(limbs[i]) >= 1L << 62) {
        throw new java.io.IOException("not an exact sum (limb " + i + " out of range)");
      }
    }
    s.limbs = limbs;
    s.base = base;
    s.propagateCarries();
    return s;
  }

  @Override
  public String toString() {
    return exact().toPlainString();
  }
}
