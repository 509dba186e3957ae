package dev.segeval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {
  @Test
  void sumsAndMerge() {
    ConfusionMatrix a = new ConfusionMatrix(2, 3);
    a.add(0, 0, 5);
    a.add(0, 2, 1);
    a.add(1, 0, 2);
    a.add(1, 1, 7);
    assertEquals(6, a.rowSum(0));
    assertEquals(7, a.columnSum(0));
    assertEquals(15, a.total());
    assertEquals(12, a.trace());
    ConfusionMatrix b = a.copy().merge(a);
    assertEquals(30, b.total());
    assertEquals(10, b.get(0, 0));
    assertEquals(4, b.nonZeroCells().length);
    assertThrows(IllegalArgumentException.class, () -> a.merge(new ConfusionMatrix(3, 3)));
  }

  @Test
  void countsBeyondIntRangeAreKept() {
    ConfusionMatrix m = new ConfusionMatrix(1, 1);
    m.add(0, 0, Integer.MAX_VALUE);
    m.add(0, 0, Integer.MAX_VALUE);
    assertEquals(2L * Integer.MAX_VALUE, m.get(0, 0));
  }

  @Test
  void serialisesSparselyAndExactly() throws Exception {
    ConfusionMatrix m = new ConfusionMatrix(150, 151);
    m.add(3, 4, 1L << 40);
    m.add(149, 150, 9);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(m);
    }
    assertTrue(bytes.size() < 1000, "sparse form, not 150 x 151 longs: " + bytes.size());
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(m, in.readObject());
    }
  }
}
