package dev.segeval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The binary exact sum against the plain reference: a sum of {@code new BigDecimal(double)}. */
class ExactSumTest {
  private static double randomTerm(SplittableRandom random, int t) {
    // Instance weights: ratios of pixel counts, and values over many magnitudes, of either sign.
    return switch (t % 5) {
      case 0 -> (1 + random.nextInt(5000)) / (double) (1 + random.nextInt(200_000));
      case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(-30, 30));
      case 2 -> -random.nextDouble() * Math.pow(2, random.nextInt(-200, 200));
      case 3 -> random.nextInt(-1000, 1000);
      default -> Double.longBitsToDouble(random.nextLong() & 0x7FEF_FFFF_FFFF_FFFFL) * (random.nextBoolean() ? 1 : -1);
    };
  }

  private static void sameAsReference(ExactSum sum, BigDecimal reference) {
    assertEquals(0, reference.compareTo(sum.exact()), () -> reference + " vs " + sum.exact());
    // The same decimal string as the BigDecimal sum: the images/ table's *_exact columns are unchanged.
    assertEquals(reference.toPlainString(), sum.toString());
    // ... and exactString() spells what BigDecimal.toString() spells (E-notation for tiny values included).
    assertEquals(reference.toString(), sum.exactString());
    assertEquals(reference.scale(), sum.exact().scale());
    assertEquals(Double.doubleToRawLongBits(reference.doubleValue()), Double.doubleToRawLongBits(sum.value()),
        () -> reference.toPlainString() + ": " + reference.doubleValue() + " vs " + sum.value());
  }

  @Test
  void equalsTheBigDecimalSumBitForBitAndDigitForDigit() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      ExactSum sum = new ExactSum();
      BigDecimal reference = BigDecimal.ZERO;
      int terms = 1 + random.nextInt(12);
      for (int t = 0; t < terms; t++) {
        double w = randomTerm(random, t + i);
        sum.add(w);
        reference = reference.add(new BigDecimal(w));
      }
      sameAsReference(sum, reference);
    }
  }

  @Test
  void spellsExactStringsAsBigDecimalDoes() {
    // Tiny sums (E-notation), exact zeros that keep a scale, integers, and sums just around the layout's limits.
    double[][] cases = {{1e-7}, {1e-6}, {1.5e-7, -1.5e-7}, {0.5, -0.5}, {3.0}, {-3.0}, {1e-300}, {-2.5e-9, 1e-12},
        {123456789.125}, {9.5367431640625E-7}, {0.000001}, {1e22}, {-1e22, 0.25}};
    for (double[] terms : cases) {
      ExactSum sum = new ExactSum();
      BigDecimal reference = BigDecimal.ZERO;
      for (double w : terms) {
        sum.add(w);
        reference = reference.add(new BigDecimal(w));
      }
      assertEquals(reference.toString(), sum.exactString(), java.util.Arrays.toString(terms));
    }
    assertEquals(BigDecimal.ZERO.toString(), new ExactSum().exactString());
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 5_000; i++) {
      java.math.BigInteger n = new java.math.BigInteger(1 + random.nextInt(700), new java.util.Random(i));
      assertEquals(n.toString(), ExactSum.digits(n));
    }
    assertEquals("1000000000000000000000000000", ExactSum.digits(java.math.BigInteger.TEN.pow(27)));
  }

  @Test
  void mergesCopiesAndReadsBackStoredValues() {
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 2_000; i++) {
      ExactSum a = new ExactSum();
      ExactSum b = new ExactSum();
      BigDecimal reference = BigDecimal.ZERO;
      for (int t = 0; t < 8; t++) {
        double w = randomTerm(random, t + i);
        (t % 2 == 0 ? a : b).add(w);
        reference = reference.add(new BigDecimal(w));
      }
      ExactSum merged = a.copy();
      merged.add(b);
      sameAsReference(merged, reference);
      // A stored exact string read back and added is the same sum.
      ExactSum readBack = new ExactSum();
      readBack.add(new BigDecimal(a.toString()));
      readBack.add(new BigDecimal(b.toString()));
      sameAsReference(readBack, reference);
      assertEquals(merged, readBack);
      assertEquals(merged.hashCode(), readBack.hashCode());
      if (reference.signum() != 0) {
        assertNotEquals(merged, a.copy());
      }
    }
  }

  @Test
  void cancelsExactlyAndKeepsTheScaleOfEveryTerm() {
    ExactSum sum = new ExactSum();
    sum.add(0.1);
    sum.add(1e300);
    sum.add(-0.1);
    sum.add(-1e300);
    assertEquals(0.0, sum.value());
    assertEquals(new BigDecimal(0.1).add(new BigDecimal(1e300)).subtract(new BigDecimal(0.1))
        .subtract(new BigDecimal(1e300)).toPlainString(), sum.toString());
    assertEquals(new ExactSum(), sum);

    ExactSum tiny = new ExactSum();
    tiny.add(Double.MIN_VALUE);
    tiny.add(Double.MIN_VALUE);
    assertEquals(2 * Double.MIN_VALUE, tiny.value());
    tiny.add(Double.MAX_VALUE);
    tiny.add(Double.MAX_VALUE);
    assertEquals(Double.POSITIVE_INFINITY, tiny.value()); // as BigDecimal.doubleValue() rounds 2 * MAX
    assertEquals(new BigDecimal(Double.MAX_VALUE).multiply(BigDecimal.valueOf(2))
        .add(new BigDecimal(Double.MIN_VALUE).multiply(BigDecimal.valueOf(2))), tiny.exact());
  }

  @Test
  void carriesStaySafeOverManyAdditions() {
    // More additions than the lazy carry interval, each filling the lower digits of its limbs.
    ExactSum sum = new ExactSum();
    ExactSum negative = new ExactSum();
    double w = Math.nextDown(1.0);
    int n = (1 << 27) + 12_345;
    for (int i = 0; i < n; i++) {
      sum.add(w);
      negative.add(-w);
    }
    BigDecimal reference = new BigDecimal(w).multiply(BigDecimal.valueOf(n));
    sameAsReference(sum, reference);
    sameAsReference(negative, reference.negate());
    sum.add(negative);
    assertEquals(new ExactSum(), sum);
  }

  @Test
  void roundsExactTiesToEvenAndHandlesTheEdges() {
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 5_000; i++) {
      double d = random.nextDouble() * Math.pow(2, random.nextInt(-1100, 1000));
      BigDecimal lo = new BigDecimal(d);
      BigDecimal hi = new BigDecimal(Math.nextUp(d));
      BigDecimal half = lo.add(hi).divide(BigDecimal.valueOf(2)); // exactly between two doubles
      BigDecimal quantum = new BigDecimal(Double.MIN_VALUE).divide(BigDecimal.valueOf(1L << 40));
      for (BigDecimal x : List.of(half, half.negate(), half.add(quantum), half.subtract(quantum), lo)) {
        roundsAsBigDecimal(x);
      }
    }
    for (BigDecimal x : List.of(new BigDecimal(Double.MIN_VALUE), new BigDecimal(Double.MIN_NORMAL).multiply(
        new BigDecimal("1.5")), new BigDecimal(Double.MAX_VALUE).multiply(BigDecimal.TEN),
        new BigDecimal("123456789012345678901234567890"), new BigDecimal(Double.MAX_VALUE).add(
            new BigDecimal(Math.ulp(Double.MAX_VALUE)).divide(BigDecimal.valueOf(2))))) {
      roundsAsBigDecimal(x);
    }
  }

  /** x must be dyadic: rounds x = t * 2^e through roundToDouble and compares with BigDecimal's rounding. */
  private static void roundsAsBigDecimal(BigDecimal x) {
    int scale = Math.max(0, x.scale());
    BigInteger unscaled = x.setScale(scale).unscaledValue();
    BigInteger t = unscaled.divide(BigInteger.valueOf(5).pow(scale));
    assertEquals(unscaled, t.multiply(BigInteger.valueOf(5).pow(scale)), "not dyadic: " + x);
    assertEquals(Double.doubleToRawLongBits(x.doubleValue()),
        Double.doubleToRawLongBits(ExactSum.roundToDouble(t, -scale)), () -> x.toPlainString());
  }

  @Test
  void refusesStoredValuesThatNoSumOfDoublesCanHave() {
    ExactSum sum = new ExactSum();
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> sum.add(new BigDecimal("0.1")));
    assertEquals("Not an exact sum of doubles (not a multiple of a power of two): 0.1", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> sum.add(Double.NaN));
  }

  @Test
  void survivesJavaSerialisation() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    List<ExactSum> sums = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ExactSum s = new ExactSum();
      for (int t = 0; t < 6; t++) {
        s.add(randomTerm(random, t));
      }
      sums.add(s);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(new ArrayList<>(sums));
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      @SuppressWarnings("unchecked")
      List<ExactSum> back = (List<ExactSum>) in.readObject();
      for (int i = 0; i < sums.size(); i++) {
        assertEquals(sums.get(i).toString(), back.get(i).toString());
        assertEquals(sums.get(i).value(), back.get(i).value());
      }
    }
  }
}
