package dev.segeval.bench.jmh;

import dev.segeval.imaging.IndexImage;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.Label;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.ConfusionMatrix;
import dev.segeval.metrics.PixelScorer;
import dev.segeval.synth.SyntheticDatasets;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The images of the core benchmark, generated the same way for JMH and for the NumPy script (which reads them
 * from the files {@link #main} writes), so that both time the very same arrays.
 *
 * <ul>
 *   <li>{@code scenes}: synthetic Cityscapes scenes (label and 16-bit instance ids) with predictions from the
 *       project's error model (boundaries shifted by a few pixels, blobs of wrong classes): piecewise constant,
 *       as real maps and model outputs are.</li>
 *   <li>{@code noise}: the same scenes with 10 % of the prediction pixels replaced by a random label: the worst
 *       case for a scorer that walks runs.</li>
 * </ul>
 */
public final class CoreBenchData {
  public static final int WIDTH = 2048;
  public static final int HEIGHT = 1024;
  public static final int IMAGES = 4;
  public static final ClassSpace SPACE =
      new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.LABEL_ID);

  /**
   * Ground truth, prediction and instances of {@link #IMAGES} images of one kind, as the job holds them: 16-bit
   * samples, as decoded from the PNGs.
   */
  public record Images(char[][] groundTruth, char[][] prediction, char[][] instances) {
  }

  private CoreBenchData() {
  }

  public static Images generate(String kind) {
    SplittableRandom rnd = new SplittableRandom(2026);
    int n = WIDTH * HEIGHT;
    int[][] gt = new int[IMAGES][];
    int[][] pred = new int[IMAGES][];
    int[][] inst = new int[IMAGES][];
    int[] ids = SPACE.table().labels().stream().mapToInt(Label::id).filter(id -> id >= 0).toArray();
    for (int i = 0; i < IMAGES; i++) {
      SyntheticDatasets.Scene scene = SyntheticDatasets.cityscapesScene(WIDTH, HEIGHT, rnd);
      gt[i] = scene.labels();
      inst[i] = scene.instances();
      pred[i] = SyntheticDatasets.cityscapesPrediction(scene, rnd);
      switch (kind) {
        case "scenes" -> { }
        case "noise" -> {
          for (int p = 0; p < n; p++) {
            if (rnd.nextInt(10) == 0) {
              pred[i][p] = ids[rnd.nextInt(ids.length)];
            }
          }
        }
        default -> throw new IllegalArgumentException("unknown image kind " + kind);
      }
    }
    char[][] g = new char[IMAGES][];
    char[][] p = new char[IMAGES][];
    char[][] in = new char[IMAGES][];
    for (int i = 0; i < IMAGES; i++) {
      g[i] = IndexImage.narrow(gt[i], WIDTH);
      p[i] = IndexImage.narrow(pred[i], WIDTH);
      in[i] = IndexImage.narrow(inst[i], WIDTH);
    }
    return new Images(g, p, in);
  }

  /**
   * Writes, per kind, the images as NumPy would load them from PNGs (uint8 train ids, 255 ignored; the
   * mapping from label ids is not timed on either side) and the confusion matrix the project's core computes for
   * each, for the script to check that it counts the same pixels.
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    int[] gtLut = SPACE.groundTruthLut();
    int[] predLut = SPACE.predictionLut();
    PixelScorer scorer = new PixelScorer(SPACE);
    for (String kind : new String[] {"scenes", "noise"}) {
      Images images = generate(kind);
      try (OutputStream gtOut = Files.newOutputStream(dir.resolve(kind + "-gt.u8"));
           OutputStream predOut = Files.newOutputStream(dir.resolve(kind + "-pred.u8"));
           OutputStream confOut = Files.newOutputStream(dir.resolve(kind + "-confusion.i64"))) {
        for (int i = 0; i < IMAGES; i++) {
          gtOut.write(trainIds(images.groundTruth()[i], gtLut, 255));
          predOut.write(trainIds(images.prediction()[i], predLut, SPACE.numClasses()));
          ConfusionMatrix m = scorer.score(images.groundTruth()[i], images.prediction()[i], null, WIDTH).confusion();
          confOut.write(square(m));
        }
      }
    }
    System.out.printf("%d images of %dx%d per kind in %s, %d classes%n", IMAGES, WIDTH, HEIGHT, dir,
        SPACE.numClasses());
  }

  /** Train ids; values beyond the classes (ignored ground truth, or a prediction of an ignored label) to one id. */
  private static byte[] trainIds(char[] values, int[] lut, int beyond) {
    byte[] out = new byte[values.length];
    int k = SPACE.numClasses();
    for (int i = 0; i < values.length; i++) {
      int v = lut[values[i]];
      out[i] = (byte) (v < 0 || v >= k ? beyond : v);
    }
    return out;
  }

  /**
   * The matrix as classes x (classes + 1), int64 little-endian: the last column sums the predictions of labels
   * that are not classes (Cityscapes' "unlabeled" and the like), which the project keeps as separate columns.
   */
  private static byte[] square(ConfusionMatrix m) {
    int k = SPACE.numClasses();
    ByteBuffer b = ByteBuffer.allocate(k * (k + 1) * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < k; r++) {
      long beyond = 0;
      for (int c = 0; c < SPACE.numColumns(); c++) {
        if (c < k) {
          b.putLong(m.get(r, c));
        } else {
          beyond += m.get(r, c);
        }
      }
      b.putLong(beyond);
    }
    return b.array();
  }
}
