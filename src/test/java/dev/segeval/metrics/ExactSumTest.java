package dev.segeval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExactSumTest {
  private static void same(BigDecimal x) {
    assertEquals(Double.doubleToRawLongBits(x.doubleValue()), Double.doubleToRawLongBits(ExactSum.toDouble(x)),
        () -> x.toPlainString() + ": " + x.doubleValue() + " vs " + ExactSum.toDouble(x));
  }

  @Test
  void roundsEverySumAsBigDecimalDoes() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      ExactSum sum = new ExactSum();
      int terms = 1 + random.nextInt(12);
      for (int t = 0; t < terms; t++) {
        // Instance weights: ratios of pixel counts, and values over many magnitudes, of either sign.
        double w = switch (t % 4) {
          case 0 -> (1 + random.nextInt(5000)) / (double) (1 + random.nextInt(200_000));
          case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(-30, 30));
          case 2 -> -random.nextDouble() * Math.pow(2, random.nextInt(-200, 200));
          default -> random.nextInt(-1000, 1000);
        };
        sum.add(w);
      }
      same(sum.exact());
      assertEquals(sum.exact().doubleValue(), sum.value());
    }
  }

  @Test
  void roundsExactTiesToEvenAndHandlesTheEdges() {
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 5_000; i++) {
      double d = random.nextDouble() * Math.pow(2, random.nextInt(-900, 900));
      BigDecimal lo = new BigDecimal(d);
      BigDecimal hi = new BigDecimal(Math.nextUp(d));
      BigDecimal half = lo.add(hi).divide(BigDecimal.valueOf(2)); // exactly between two doubles
      same(half);
      same(half.negate());
      same(half.add(new BigDecimal(Double.MIN_VALUE))); // just above the tie
      same(half.subtract(new BigDecimal(Double.MIN_VALUE))); // just below it
      same(lo);
    }
    same(BigDecimal.ZERO);
    same(new BigDecimal("0.000"));
    same(new BigDecimal(Double.MIN_VALUE));
    same(new BigDecimal(Double.MIN_NORMAL).multiply(new BigDecimal("1.5")));
    same(new BigDecimal(Double.MAX_VALUE).multiply(BigDecimal.TEN));
    same(new BigDecimal("1e400"));
    same(new BigDecimal("123456789012345678901234567890"));
    same(new BigDecimal("0.1"));
  }
}
