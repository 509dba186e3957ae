package dev.segeval.scoring;

import dev.segeval.imaging.IndexImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ValuePairsTest {
  @Test
  void sampleCountsEveryStrideThPixelWithWideValuesAndIsReusable() {
    int n = 17 * 6;
    int[] gt = new int[n];
    int[] pred = new int[n];
    // Sampled pixels are 0, 17, 34, 51, 68, 85.
    int[] g = {7, 7, 26, 26, 300, 7};
    int[] p = {7, 8, 26, 26, 1000, 7};
    for (int i = 0; i < 6; i++) {
      gt[17 * i] = g[i];
      pred[17 * i] = p[i];
      gt[17 * i + 1] = 99; // never sampled
    }
    ValuePairs.Sampler sampler = new ValuePairs.Sampler();
    long[] first = sampler.sample(IndexImage.narrow(gt, 0), IndexImage.narrow(pred, 0));
    Map<Long, Long> expected = new TreeMap<>();
    expected.put(ValuePairs.key(7, 7), 2L);
    expected.put(ValuePairs.key(7, 8), 1L);
    expected.put(ValuePairs.key(26, 26), 2L);
    expected.put(ValuePairs.key(300, 1000), 1L);
    long[] flat = new long[expected.size() * 2];
    int k = 0;
    for (Map.Entry<Long, Long> e : expected.entrySet()) {
      flat[k++] = e.getKey();
      flat[k++] = e.getValue();
    }
    assertArrayEquals(flat, first);
    assertArrayEquals(first, sampler.sample(IndexImage.narrow(gt, 0), IndexImage.narrow(pred, 0)), "the reused table starts empty for the next image");
    ValuePairs total = new ValuePairs().add(first).add(first).add(null);
    assertEquals(12, total.total());
    assertEquals(300, ValuePairs.groundTruthOf(ValuePairs.key(300, 1000)));
    assertEquals(1000, ValuePairs.predictionOf(ValuePairs.key(300, 1000)));
  }
}
