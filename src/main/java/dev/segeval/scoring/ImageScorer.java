package dev.segeval.scoring;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.imaging.ImageFormatException;
import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.MultiChannelImageException;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.InvalidPixelException;
import dev.segeval.metrics.PixelScorer;
import dev.segeval.metrics.SegmentationStats;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads, decodes and scores one image at a time. Problems of the image's own files (missing, corrupt, of another
 * size, values the labels table does not allow, instance and label maps that disagree) become a failed
 * {@link ImageResult} whose kind is decided by the exception type and whose message names the file. Anything
 * else is not the image's fault and propagates: another {@link IOException} (an outage: Spark retries the
 * task) or a {@link RuntimeException} (a bug: the run fails with its stack trace). One instance per thread.
 * Used identically by the Spark job and by the single-threaded reference path.
 */
public final class ImageScorer implements AutoCloseable {
  private final ClassSpace space;
  private final Configuration conf;
  private final PixelScorer pixels;
  private final PredictionSource.Reader predictions;
  private final FileSource files;
  private final ValuePairs.Sampler sampler = new ValuePairs.Sampler();
  // Decode buffers reused from image to image (same-size datasets need no new arrays).
  private char[] groundTruthBuffer;
  private char[] instanceBuffer;
  private char[] predictionBuffer;

  /** A scorer of in-memory masks only ({@link #scoreEncoded}): no file system, no prediction source. */
  public ImageScorer(ClassSpace space) {
    this.space = space;
    this.conf = null;
    this.pixels = new PixelScorer(space);
    this.predictions = null;
    this.files = null;
  }

  public ImageScorer(ClassSpace space, PredictionSource source, Configuration conf,
                     PredictionSource.TaskResources resources) throws IOException {
    this(space, source, conf, resources, FileSource.of(conf));
  }

  /** A scorer that reads every file through {@code files} (a {@link ReadAhead}, or the file system directly). */
  public ImageScorer(ClassSpace space, PredictionSource source, Configuration conf,
                     PredictionSource.TaskResources resources, FileSource files) throws IOException {
    this.space = space;
    this.conf = conf;
    this.pixels = new PixelScorer(space);
    this.files = files;
    this.predictions = source.open(conf, resources, files);
  }

  /**
   * The files {@link #score(ScoringTask)} reads for a task, in the order it reads them: the label map, the instance
   * map where instances are evaluated, and what the prediction source reads.
   */
  public static List<String> filesRead(ClassSpace space, PredictionSource source, ScoringTask task) {
    List<String> out = new ArrayList<>(3);
    out.add(task.sample().labelPath());
    if (space.instanceEvaluation() && task.sample().instancePath() != null) {
      out.add(task.sample().instancePath());
    }
    out.addAll(source.filesRead(task));
    return out;
  }

  /** A file of the image that cannot be used; carries the failure up to {@link #score}. */
  private static final class ImageFileException extends Exception {
    private static final long serialVersionUID = 1L;
    private final ImageFailure failure;

    ImageFileException(ImageFailure failure, Throwable cause) {
      super(failure.message(), cause);
      this.failure = failure;
    }
  }

  /** Where a map's encoded bytes come from: files on the task's file system, or the columns of a row. */
  @FunctionalInterface
  private interface MapBytes {
    byte[] read(String name) throws IOException;
  }

  /**
   * @throws IOException for I/O failures that are not a problem of this image's files (the task fails)
   */
  public ImageResult score(ScoringTask task) throws IOException {
    if (predictions == null) {
      throw new IllegalStateException("This scorer scores in-memory masks only (scoreEncoded)");
    }
    return score(task, files::read, predictions);
  }

  /**
   * Scores masks held in memory as encoded PNGs (rows of a DataFrame: the Spark ML evaluator and the SQL
   * functions), with the decoding, checks and failure kinds of {@link #score(ScoringTask)}; messages name the maps
   * "labels of ID", "instances of ID" and "prediction of ID". A null map fails the image as missing.
   *
   * @param instances the instanceIds PNG, or null when the run has no instances
   */
  public ImageResult scoreEncoded(String id, byte[] labels, byte[] instances, byte[] prediction) {
    String labelName = "labels of " + id;
    String instanceName = space.instanceEvaluation() && instances != null ? "instances of " + id : null;
    String predictionName = "prediction of " + id;
    ScoringTask task = ScoringTask.of(new dev.segeval.datasets.Sample(id, null, labelName, instanceName),
        predictionName);
    MapBytes bytes = name -> {
      byte[] b = name.equals(labelName) ? labels : instances;
      if (b == null) {
        throw new FileNotFoundException(name + " (null)");
      }
      return b;
    };
    PredictionSource.Reader reader = (t, width, height) -> {
      if (prediction == null) {
        throw new PredictionSource.PredictionException(ImageFailure.Kind.MISSING_PREDICTION,
            predictionName + ": null");
      }
      IndexImage img = PngDecoder.decodeIndexInto(prediction, predictionName, predictionBuffer);
      predictionBuffer = img.values();
      if (img.width() != width || img.height() != height) {
        throw new PredictionSource.PredictionException(ImageFailure.Kind.SIZE_MISMATCH, String.format(Locale.ROOT,
            "%s: prediction is %dx%d but the ground truth is %dx%d", predictionName, img.width(), img.height(),
            width, height));
      }
      return img.values();
    };
    try {
      return score(task, bytes, reader);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("in-memory maps cannot fail with I/O errors", e);
    }
  }

  private ImageResult score(ScoringTask task, MapBytes mapBytes, PredictionSource.Reader predictions)
      throws IOException {
    long start = System.nanoTime();
    var sample = task.sample();
    long[] valuePairs = null;
    try {
      IndexImage gt = decodeMap(mapBytes, sample.labelPath(), groundTruthBuffer);
      groundTruthBuffer = gt.values();
      char[] instances = null;
      IndexImage instanceMap = null;
      if (space.instanceEvaluation() && sample.instancePath() != null) {
        IndexImage inst = decodeMap(mapBytes, sample.instancePath(), instanceBuffer);
        instanceBuffer = inst.values();
        if (inst.width() != gt.width() || inst.height() != gt.height()) {
          throw new ImageFileException(new ImageFailure(ImageFailure.Kind.SIZE_MISMATCH, String.format(Locale.ROOT,
              "%s: instance map is %dx%d but labels are %dx%d", sample.instancePath(), inst.width(), inst.height(),
              gt.width(), gt.height())), null);
        }
        instances = inst.values();
        instanceMap = inst;
      }
      char[] prediction = predict(predictions, task, gt.width(), gt.height());
      valuePairs = sampler.sample(gt.values(), prediction);
      SegmentationStats stats;
      try {
        stats = pixels.score(gt.values(), prediction, instances, gt.width());
      } catch (InvalidPixelException e) {
        String file = switch (e.source()) {
          case PREDICTION -> task.predictionPath() != null ? task.predictionPath() : "prediction of " + sample.id();
          case INSTANCES -> sample.instancePath();
          case GROUND_TRUTH -> sample.labelPath();
        };
        String message = file + ": " + e.getMessage();
        if (e.problem() == InvalidPixelException.Problem.INSTANCE_LABEL_MISMATCH) {
          message += " (labels: " + HadoopPaths.fileName(sample.labelPath()) + ")";
        }
        throw new ImageFileException(new ImageFailure(kindOf(e), message), e);
      }
      if (instanceMap != null && instanceMap.bitDepth() <= 8) {
        requireInstancesRepresentable(sample, gt);
      }
      return new ImageResult(sample.id(), sample.imagePath(), sample.labelPath(), task.predictionPath(),
          ImageResult.Status.OK, null, gt.width(), gt.height(), stats, seconds(start), null, valuePairs);
    } catch (ImageFileException e) {
      return ImageResult.failed(task, e.failure, seconds(start), valuePairs);
    }
  }

  private static char[] predict(PredictionSource.Reader predictions, ScoringTask task, int width, int height)
      throws IOException, ImageFileException {
    try {
      return predictions.predict(task, width, height);
    } catch (PredictionSource.PredictionException e) {
      throw new ImageFileException(e.failure(), e);
    } catch (FileNotFoundException e) {
      throw new ImageFileException(new ImageFailure(ImageFailure.Kind.MISSING_FILE,
          "file not found: " + e.getMessage()), e);
    } catch (MultiChannelImageException e) {
      throw new ImageFileException(new ImageFailure(ImageFailure.Kind.MULTI_CHANNEL_PREDICTION, e.getMessage()), e);
    } catch (ImageFormatException e) {
      throw new ImageFileException(new ImageFailure(ImageFailure.Kind.CORRUPT_FILE, e.getMessage()), e);
    }
  }

  /** Reads and decodes a label or instance map; problems of the file itself become an image failure. */
  private static IndexImage decodeMap(MapBytes mapBytes, String path, char[] reuse)
      throws IOException, ImageFileException {
    try {
      return PngDecoder.decodeIndexInto(mapBytes.read(path), path, reuse);
    } catch (FileNotFoundException e) {
      throw new ImageFileException(new ImageFailure(ImageFailure.Kind.MISSING_FILE,
          "file not found: " + e.getMessage()), e);
    } catch (MultiChannelImageException e) {
      throw new ImageFileException(new ImageFailure(ImageFailure.Kind.MULTI_CHANNEL_LABELS, e.getMessage()), e);
    } catch (ImageFormatException e) {
      throw new ImageFileException(new ImageFailure(ImageFailure.Kind.CORRUPT_FILE, e.getMessage()), e);
    }
  }

  /**
   * An instance map of 8 bits cannot hold an instance id (labelId*1000+k), so on a pixel of a class with instances
   * it can only be a crowd region. Such a map that agrees with its labels everywhere is a copy of the labelIds file
   * (or lost its instances in a conversion): scoring it would report no instances and a silently different iIoU.
   * Official instanceIds files are 16-bit whatever they hold.
   */
  private void requireInstancesRepresentable(dev.segeval.datasets.Sample sample, IndexImage gt)
      throws ImageFileException {
    int[] classOfLabel = space.instanceClassLut();
    char[] values = gt.values();
    for (int i = 0; i < values.length; i++) {
      int v = values[i];
      if (v < classOfLabel.length && classOfLabel[v] >= 0) {
        throw new ImageFileException(new ImageFailure(ImageFailure.Kind.INSTANCE_MISMATCH, String.format(Locale.ROOT,
            "%s: an 8-bit instance map, but the label id %d (%s) at pixel (x=%d, y=%d) has instances, whose ids "
                + "(labelId*1000+k) need 16 bits: use the 16-bit instanceIds file, not a copy of labelIds or an "
                + "8-bit conversion (labels: %s)", sample.instancePath(), v, space.table().byId(v).name(),
            i % gt.width(), i / gt.width(), HadoopPaths.fileName(sample.labelPath()))), null);
      }
    }
  }

  private static ImageFailure.Kind kindOf(InvalidPixelException e) {
    if (e.problem() == InvalidPixelException.Problem.INSTANCE_LABEL_MISMATCH) {
      return ImageFailure.Kind.INSTANCE_MISMATCH;
    }
    return switch (e.source()) {
      case PREDICTION -> ImageFailure.Kind.PREDICTION_VALUE;
      case GROUND_TRUTH -> ImageFailure.Kind.LABEL_VALUE;
      case INSTANCES -> ImageFailure.Kind.INSTANCE_VALUE;
    };
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  @Override
  public void close() throws Exception {
    if (predictions != null) {
      predictions.close();
    }
  }
}
