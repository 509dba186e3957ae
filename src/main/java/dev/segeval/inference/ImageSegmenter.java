package dev.segeval.inference;

import dev.segeval.imaging.ImageDecoders;
import dev.segeval.imaging.ImageFormatException;
import dev.segeval.imaging.PngEncoder;
import dev.segeval.imaging.RgbImage;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.Label;
import dev.segeval.scoring.ImageFailure;
import dev.segeval.scoring.PredictionSource.PredictionException;
import dev.segeval.scoring.PredictionSource.TaskResources;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * One task thread's model runner: decodes an encoded image and predicts its train ids with the test protocol of
 * {@link InferenceOptions}, on the executor JVM's cached model ({@link ModelCache}). The one implementation behind
 * {@code evaluate --model} ({@link ModelPredictions}) and the Spark ML {@code SemanticSegmenter}.
 */
public final class ImageSegmenter implements AutoCloseable {
  private final InferenceOptions options;
  private final LoadedModel model;
  private final SlidingWindowPredictor predictor;
  private final boolean shareCores;
  private final int jvmCores;
  /**
   * This task's place among those predicting side by side: taken at its first image once the model predicts side by
   * side, given back by close. Atomic: Spark may run the close of a task-completion listener on another thread than
   * the one that consumed the rows.
   */
  private final java.util.concurrent.atomic.AtomicReference<ThreadBudget.Share> taskShare =
      new java.util.concurrent.atomic.AtomicReference<>();
  private volatile boolean closed;

  public ImageSegmenter(InferenceOptions options, Configuration conf, TaskResources resources) throws IOException {
    this.options = options;
    this.model = ModelCache.get(options.modelUri(), ModelPredictions.device(options, resources), conf,
        ModelPredictions.intraOpThreads(options, resources));
    this.predictor = new SlidingWindowPredictor(options.protocol(), options.precision());
    // Without --intra-op-threads, the model shares the JVM's cores among its images (ThreadBudget).
    this.shareCores = options.intraOpThreads() == 0 && !model.device().isGpu();
    this.jvmCores = ModelPredictions.intraOpThreads(options, resources) * resources.taskSlots();
  }

  public LoadedModel model() {
    return model;
  }

  /**
   * Decodes an encoded image (PNG or JPEG) and predicts it.
   *
   * @param name           the image's name for messages (a path, an id)
   * @param expectedWidth  the width its labels have, or -1 when there are none to match
   * @param expectedHeight the height its labels have, or -1
   * @return train ids (0..C-1), row-major
   * @throws PredictionException   when the image is too large or of another size than its labels
   * @throws ImageFormatException  when the bytes are not a decodable image
   */
  public int[] segment(byte[] encoded, String name, int expectedWidth, int expectedHeight)
      throws IOException, PredictionException {
    RgbImage image = decode(encoded, name);
    if (expectedWidth >= 0 && (image.width() != expectedWidth || image.height() != expectedHeight)) {
      throw new PredictionException(ImageFailure.Kind.SIZE_MISMATCH, String.format(Locale.ROOT,
          "%s: image is %dx%d but its labels are %dx%d", name, image.width(), image.height(), expectedWidth,
          expectedHeight));
    }
    return segment(image);
  }

  /**
   * Decodes an encoded image (PNG or JPEG), refusing one above the pixel limit from its header, before any pixel
   * memory is allocated.
   */
  public RgbImage decode(byte[] encoded, String name) throws IOException, PredictionException {
    int[] size = ImageDecoders.readSize(encoded, name);
    requireAllowedSize(name, size[0], size[1]);
    return ImageDecoders.decodeRgb(encoded, name);
  }

  /** Predicts a decoded image (Spark's image schema arrives decoded). */
  public int[] segment(RgbImage image, String name) throws PredictionException {
    requireAllowedSize(name, image.width(), image.height());
    return segment(image);
  }

  private int[] segment(RgbImage image) {
    if (shareCores && !closed && taskShare.get() == null && model.sharingMode() == ThreadBudget.Mode.SIDE_BY_SIDE) {
      ThreadBudget.Share share = ThreadBudget.task();
      if (!taskShare.compareAndSet(null, share)) {
        share.close(); // taken already
      } else if (closed) {
        close(); // closed meanwhile: given back at once
      }
    }
    try (ThreadBudget.Share share = shareCores ? model.shareCores(jvmCores) : null) {
      return predictor.predict(model, image, image.height(), image.width());
    }
  }

  /**
   * Ends this task's predictions: the other tasks of the JVM no longer leave it a share of the cores. The cached
   * model stays loaded for the next task.
   */
  @Override
  public void close() {
    closed = true;
    ThreadBudget.Share share = taskShare.getAndSet(null);
    if (share != null) {
      share.close();
    }
  }

  private void requireAllowedSize(String name, int width, int height) throws PredictionException {
    if ((long) width * height > options.maxImagePixels()) {
      throw new PredictionException(ImageFailure.Kind.IMAGE_TOO_LARGE, String.format(Locale.ROOT,
          "%s: image of %dx%d pixels exceeds --max-image-pixels %d", name, width, height, options.maxImagePixels()));
    }
  }

  /** The dataset's label id of each train id (the inverse of the labels table's train-id mapping). */
  public static int[] labelIdOfClass(ClassSpace space) {
    List<Label> classes = space.table().evaluatedClasses();
    int[] ids = new int[space.numClasses()];
    for (int c = 0; c < ids.length; c++) {
      ids[c] = classes.get(c).id();
    }
    return ids;
  }

  /**
   * A mask of train ids as a grey PNG of label ids ({@code labelIdOfClass}) or, with null, of the train ids
   * themselves: 8 bits when every value fits, else 16. The format of {@code --save-predictions}' ids/ files.
   */
  public static byte[] maskPng(int[] trainIds, int width, int height, int[] labelIdOfClass) {
    int[] values = trainIds;
    if (labelIdOfClass != null) {
      values = new int[trainIds.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = labelIdOfClass[trainIds[i]];
      }
    }
    boolean wide = false;
    for (int v : values) {
      if (v > 255) {
        wide = true;
        break;
      }
    }
    return wide ? PngEncoder.encodeGray16(width, height, values) : PngEncoder.encodeGray8(width, height, values);
  }
}
