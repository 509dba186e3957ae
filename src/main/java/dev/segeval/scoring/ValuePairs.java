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

  /**
   * Takes the samples of one image after another without boxing: pairs of 8-bit values (every dataset's labels and
   * nearly every prediction) are counted in a reused table, rarer wide values in a map. One per thread.
   */
  public static final class Sampler {
    private final int[] small = new int[1 << 16];
    private final int[] touched = new int[1 << 16];

    /** The sample of one image as a compact array: key (gt << 32 | prediction), count, ... in key order. */
    public long[] sample(char[] groundTruth, char[] prediction) {
      int touchedCount = 0;
      Map<Long, Long> wide = null;
      for (int i = 0; i < groundTruth.length; i += STRIDE) {
        int g = groundTruth[i];
        int p = prediction[i];
        if ((g | p) >>> 8 == 0) {
          int k = g << 8 | p;
          if (small[k]++ == 0) {
            touched[touchedCount++] = k;
          }
        } else {
          if (wide == null) {
            wide = new HashMap<>();
          }
          wide.merge(key(g, p), 1L, Long::sum);
        }
      }
      int n = touchedCount + (wide == null ? 0 : wide.size());
      long[] keys = new long[n];
      long[] counts = new long[n];
      int j = 0;
      for (int t = 0; t < touchedCount; t++) {
        int k = touched[t];
        keys[j] = key(k >>> 8, k & 0xFF);
        counts[j++] = small[k];
        small[k] = 0;
      }
      if (wide != null) {
        for (Map.Entry<Long, Long> e : wide.entrySet()) {
          keys[j] = e.getKey();
          counts[j++] = e.getValue();
        }
      }
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
      long[] out = new long[n * 2];
      for (int i = 0; i < n; i++) {
        out[2 * i] = keys[order[i]];
        out[2 * i + 1] = counts[order[i]];
      }
      return out;
    }
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

  /** Adds one image's sample (as returned by {@link Sampler#sample}); null adds nothing. */
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
