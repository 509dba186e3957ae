package dev.segeval.bench;

import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.PixelScorer;
import dev.segeval.metrics.SegmentationStats;
import java.time.Instant;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Measures the confusion-matrix core in pixels per second on Cityscapes-sized images, against a baseline
 * measured in the same run: the straightforward "encode gt * K + pred, then histogram" formulation that
 * numpy-based tools use (two passes, a temporary array per image). Ratios, not absolute numbers, are what
 * carries across machines.
 */
public final class CoreBenchmark {
  /**
   * @param width  image width in pixels
   * @param height image height in pixels
   * @param images distinct random images, so that timing is not of one image hot in cache
   * @param rounds timed rounds over all images; the best round counts
   */
  public record Settings(int width, int height, int images, int rounds) {
  }

  private CoreBenchmark() {
  }

  /** Runs the benchmark and returns its Markdown section. */
  public static String run(Settings s) throws Exception {
    LabelTable table = LabelTable.builtIn("cityscapes");
    ClassSpace space = new ClassSpace(table, PredictionEncoding.LABEL_ID);
    int width = s.width();
    int n = width * s.height();
    int images = s.images();
    SplittableRandom rnd = new SplittableRandom(1);
    int[][] gt = new int[images][n];
    int[][] pred = new int[images][n];
    int[][] inst = new int[images][n];
    int[] ids = table.labels().stream().filter(l -> l.id() >= 0).mapToInt(l -> l.id()).toArray();
    for (int i = 0; i < images; i++) {
      // Runs of equal labels, as in real maps, with 10% prediction noise.
      int label = ids[0];
      for (int p = 0; p < n; p++) {
        if (rnd.nextInt(64) == 0) {
          label = ids[rnd.nextInt(ids.length)];
        }
        gt[i][p] = label;
        pred[i][p] = rnd.nextInt(10) == 0 ? ids[rnd.nextInt(ids.length)] : label;
        inst[i][p] = (label == 26 || label == 24) ? label * 1000 + (p / width) / 64 : label;
      }
    }
    PixelScorer scorer = new PixelScorer(space);
    // Warm-up so that both paths are compiled before timing.
    for (int w = 0; w < 3; w++) {
      for (int i = 0; i < images; i++) {
        scorer.score(gt[i], pred[i], null, width);
        baseline(space, gt[i], pred[i]);
      }
    }
    double core = best(s.rounds(), () -> {
      for (int i = 0; i < images; i++) {
        scorer.score(gt[i], pred[i], null, width);
      }
    });
    double coreInst = best(s.rounds(), () -> {
      for (int i = 0; i < images; i++) {
        scorer.score(gt[i], pred[i], inst[i], width);
      }
    });
    double base = best(s.rounds(), () -> {
      for (int i = 0; i < images; i++) {
        baseline(space, gt[i], pred[i]);
      }
    });
    // Same counts from both formulations, or the comparison is meaningless.
    SegmentationStats stats = scorer.score(gt[0], pred[0], null, width);
    long[] h = baseline(space, gt[0], pred[0]);
    for (int r = 0; r < space.numClasses(); r++) {
      for (int c = 0; c < space.numColumns(); c++) {
        if (h[r * space.numColumns() + c] != stats.confusion().get(r, c)) {
          throw new IllegalStateException("baseline and core disagree at (" + r + ", " + c + ")");
        }
      }
    }
    double pixels = (double) n * images;
    return String.format(Locale.ROOT,
        "## Confusion-matrix core, %s%n%n"
            + "Command: `jobs/bench-core.sh --width %d --height %d --images %d --rounds %d`%n"
            + "Machine: %s%n%n"
            + "| path | Mpixels/s | ratio to baseline |%n|---|---:|---:|%n"
            + "| core (confusion only) | %.1f | %.2f |%n"
            + "| core (confusion + Cityscapes instances) | %.1f | %.2f |%n"
            + "| baseline (encode + histogram, two passes) | %.1f | 1.00 |%n",
        Instant.now(), width, s.height(), images, s.rounds(), MarkdownResults.machine(),
        pixels / core / 1e6, base / core, pixels / coreInst / 1e6, base / coreInst, pixels / base / 1e6);
  }

  private interface Body {
    void run() throws Exception;
  }

  /** Seconds of the fastest round: the least disturbed by other processes on a shared machine. */
  private static double best(int rounds, Body body) throws Exception {
    double best = Double.MAX_VALUE;
    for (int r = 0; r < rounds; r++) {
      long t = System.nanoTime();
      body.run();
      best = Math.min(best, (System.nanoTime() - t) / 1e9);
    }
    return best;
  }

  /** numpy-style: encoded = gt * K + pred over all pixels, bincount, then drop ignored rows. */
  static long[] baseline(ClassSpace space, int[] gt, int[] pred) {
    int k = 256;
    int[] encoded = new int[gt.length];
    for (int i = 0; i < gt.length; i++) {
      encoded[i] = gt[i] * k + pred[i];
    }
    long[] hist = new long[k * k];
    for (int e : encoded) {
      hist[e]++;
    }
    int[] gtLut = space.groundTruthLut();
    int[] predLut = space.predictionLut();
    long[] out = new long[space.numClasses() * space.numColumns()];
    for (int g = 0; g < k; g++) {
      int row = gtLut[g];
      if (row < 0) {
        continue;
      }
      for (int p = 0; p < k; p++) {
        long v = hist[g * k + p];
        if (v != 0) {
          out[row * space.numColumns() + predLut[p]] += v;
        }
      }
    }
    return out;
  }
}
