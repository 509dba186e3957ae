package dev.segeval.scoring;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts of raw (ground-truth value, prediction value) pairs over a regular sample of an image's pixels, before
 * any labels-table lookup. They let the run tell afterwards how well the predictions would have scored under
 * another reading of their values (train ids instead of label ids, or values off by one), which is how a
 * systematic encoding mistake is told from a poor model. Every {@value #STRIDE}th pixel is taken: a prime
 * stride, so that the sample does not alias with image rows; the cost is about 1/{@value #STRIDE} of the pixel
 * loop.
 */
public final class ValuePairs implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Distance between sampled pixels. */
  public static final int STRIDE = 17;

  private final Map<Long, Long> counts = new HashMap<>();

  /** The sample of one image as a compact array: key (gt << 32 | prediction), count, key, count, ... */
  public static long[] sample(int[] groundTruth, int[] prediction) {
    Map<Long, Long> m = new HashMap<>();
    for (int i = 0; i < groundTruth.length; i += STRIDE) {
      m.merge(key(groundTruth[i], prediction[i]), 1L, Long::sum);
    }
    long[] out = new long[m.size() * 2];
    int k = 0;
    Long[] keys = m.keySet().toArray(new Long[0]);
    Arrays.sort(keys);
    for (Long key : keys) {
      out[k++] = key;
      out[k++] = m.get(key);
    }
    return out;
  }

  static long key(int groundTruth, int prediction) {
    return ((long) groundTruth << 32) | (prediction & 0xFFFFFFFFL);
  }

  public static int groundTruthOf(long key) {
    return (int) (key >>> 32);
  }

  public static int predictionOf(long key) {
    return (int) key;
  }

  /** Adds one image's sample (as returned by {@link #sample}); null adds nothing. */
  public ValuePairs add(long[] sample) {
    if (sample != null) {
      for (int i = 0; i < sample.length; i += 2) {
        counts.merge(sample[i], sample[i + 1], Long::sum);
      }
    }
    return this;
  }

  public ValuePairs merge(ValuePairs other) {
    other.counts.forEach((k, v) -> counts.merge(k, v, Long::sum));
    return this;
  }

  /** Key (see {@link #groundTruthOf}, {@link #predictionOf}) to count. */
  public Map<Long, Long> counts() {
    return counts;
  }

  public long total() {
    long t = 0;
    for (long v : counts.values()) {
      t += v;
    }
    return t;
  }
}
