package dev.segeval.inference;

import ai.djl.Device;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.imaging.PngEncoder;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.Label;
import dev.segeval.scoring.PredictionSource;
import dev.segeval.scoring.ScoringTask;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * Predictions made by a model on the executors, fed straight into the scoring path in the same pass. Returns
 * train ids (0..C-1), so the job scores them in the {@code trainId} encoding. With {@code savePredictions} the
 * masks are also written: {@code ids/<id>.png} in the dataset's label ids (Cityscapes' official submission
 * format) and, optionally, {@code color/<id>.png}.
 */
public final class ModelPredictions implements PredictionSource {
  private static final long serialVersionUID = 1L;

  /**
   * PyTorch threads per JVM: the option when given, else the cores divided among the concurrent tasks, so that
   * predictors sharing a JVM do not oversubscribe the CPU (on 2 cores, 2 tasks x 1 thread gave 9.1 images/s for
   * the demo model against 6.7 with PyTorch's default of one thread per core for each).
   */
  static int intraOpThreads(InferenceOptions options, TaskResources resources) {
    if (options.intraOpThreads() > 0) {
      return options.intraOpThreads();
    }
    // The executor's own cores (spark.executor.cores), not the machine's: two executors on one machine would
    // otherwise each give PyTorch every core (standalone benchmark: 87 s against 8.5 s in local mode).
    return Math.max(1, resources.cores() / resources.taskSlots());
  }

  private final InferenceOptions options;
  private final ClassSpace space;

  /** A source not yet bound to a dataset; the job binds it with {@link #withSpace} once the labels are known. */
  public ModelPredictions(InferenceOptions options) {
    this(options, null);
  }

  public ModelPredictions(InferenceOptions options, ClassSpace space) {
    this.options = options;
    this.space = space;
  }

  public ModelPredictions withSpace(ClassSpace classSpace) {
    return new ModelPredictions(options, classSpace);
  }

  public InferenceOptions options() {
    return options;
  }

  @Override
  public String describe() {
    return "model " + HadoopPaths.redact(options.modelUri()) + " (" + options.protocol()
        + (options.precision() == Precision.FP32 ? "" : ", precision " + options.precision()) + ")";
  }

  /** The device for this task: a GPU Spark assigned, else the requested one. */
  static Device device(InferenceOptions options, TaskResources resources) {
    String gpu = resources.gpuAddress();
    return switch (options.device()) {
      case "cpu" -> Device.cpu();
      case "gpu" -> Device.gpu(gpu == null ? 0 : Integer.parseInt(gpu));
      default -> gpu == null ? Device.cpu() : Device.gpu(Integer.parseInt(gpu));
    };
  }

  /**
   * Loads (or reuses) the model on the driver and checks that it predicts the dataset's classes.
   *
   * @return the SHA-256 of the model file
   * @throws ModelLoadException when the model cannot be used for this dataset (a problem of the input)
   */
  public static String validate(InferenceOptions options, ClassSpace space, Configuration conf,
                              TaskResources resources) throws IOException {
    LoadedModel model = ModelCache.get(options.modelUri(), device(options, resources), conf,
        intraOpThreads(options, resources));
    model.checkPrecision(options.precision());
    int classes = model.numClasses();
    if (classes != space.numClasses()) {
      throw new ModelLoadException(String.format(Locale.ROOT,
          "Cannot evaluate with model %s: it predicts %d classes but dataset '%s' has %d; use a model trained for "
              + "this dataset", HadoopPaths.redact(options.modelUri()), classes, space.table().name(),
          space.numClasses()));
    }
    return model.sha256();
  }

  @Override
  public Reader open(Configuration conf, TaskResources resources) throws IOException {
    return open(conf, resources, dev.segeval.scoring.FileSource.of(conf));
  }

  @Override
  public List<String> filesRead(dev.segeval.scoring.ScoringTask task) {
    return task.sample().imagePath() == null ? List.of() : List.of(task.sample().imagePath());
  }

  @Override
  public Reader open(Configuration conf, TaskResources resources, dev.segeval.scoring.FileSource files)
      throws IOException {
    if (space == null) {
      throw new IllegalStateException("ModelPredictions must be bound to a class space before use");
    }
    ImageSegmenter segmenter = new ImageSegmenter(options, conf, resources);
    int[] idOfClass = ImageSegmenter.labelIdOfClass(space);
    int[] colorOfClass = new int[space.numClasses()];
    List<Label> classes = space.table().evaluatedClasses();
    for (int c = 0; c < colorOfClass.length; c++) {
      colorOfClass[c] = classes.get(c).color();
    }
    return new Reader() {
      private char[] buffer;

      @Override
      public char[] predict(ScoringTask task, int width, int height) throws IOException, PredictionException {
        String path = task.sample().imagePath();
        int[] trainIds = segmenter.segment(files.read(path), path, width, height);
        if (options.savePredictions() != null) {
          save(task, trainIds, width, height, idOfClass, colorOfClass, conf);
        }
        // Train ids are below the number of classes, so every one fits the scorer's 16-bit samples.
        char[] out = buffer != null && buffer.length == trainIds.length ? buffer : new char[trainIds.length];
        for (int i = 0; i < out.length; i++) {
          out[i] = (char) trainIds[i];
        }
        buffer = out;
        return out;
      }

      @Override
      public void close() {
        segmenter.close();
      }
    };
  }

  private void save(ScoringTask task, int[] trainIds, int width, int height, int[] idOfClass, int[] colorOfClass,
                    Configuration conf) throws IOException {
    String id = task.sample().id();
    HadoopPaths.write(HadoopPaths.join(options.savePredictions(), "ids", id + ".png"),
        ImageSegmenter.maskPng(trainIds, width, height, idOfClass), conf);
    if (options.saveColor()) {
      int[] rgb = new int[trainIds.length];
      for (int i = 0; i < rgb.length; i++) {
        rgb[i] = colorOfClass[trainIds[i]];
      }
      HadoopPaths.write(HadoopPaths.join(options.savePredictions(), "color", id + ".png"),
          PngEncoder.encodeRgb(width, height, rgb), conf);
    }
  }

}
