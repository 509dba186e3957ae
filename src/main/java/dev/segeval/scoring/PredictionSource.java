package dev.segeval.scoring;

import java.io.IOException;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;

/**
 * Where predictions come from. The spec is small and serialisable and is shipped to executors; {@link #open}
 * creates the per-thread resource there. A folder of PNGs is one source; a model run on the executor is
 * another, plugged into the same scoring path.
 */
public interface PredictionSource extends Serializable {

  /** Creates the reader used by one task thread. */
  Reader open(Configuration conf, TaskResources resources) throws IOException;

  /**
   * Creates the reader used by one task thread, reading the files it needs through {@code files} (which may have
   * read them ahead, see {@link #filesRead}). Sources that read nothing per image ignore it.
   */
  default Reader open(Configuration conf, TaskResources resources, FileSource files) throws IOException {
    return open(conf, resources);
  }

  /** The files the reader reads for a task, so that they can be read ahead; none by default. */
  default java.util.List<String> filesRead(ScoringTask task) {
    return java.util.List.of();
  }

  /** A short description for summaries and logs, without credentials. */
  String describe();

  /**
   * What the task running a reader may use, decided by the Spark job from its own settings and passed as typed
   * values: how many tasks share the JVM (to size thread pools) and the GPU Spark assigned to the task, if any.
   */
  record TaskResources(int taskSlots, String gpuAddress, int cores) implements Serializable {
    /** One task at a time, no GPU: the single-threaded reference path and the driver. */
    public static final TaskResources SINGLE = new TaskResources(1, null);

    public TaskResources {
      if (taskSlots < 1) {
        throw new IllegalArgumentException("taskSlots must be at least 1, got " + taskSlots);
      }
      if (cores < 1) {
        throw new IllegalArgumentException("cores must be at least 1, got " + cores);
      }
    }

    /** Resources of a JVM that owns all the cores it sees (local mode, the driver). */
    public TaskResources(int taskSlots, String gpuAddress) {
      this(taskSlots, gpuAddress, Runtime.getRuntime().availableProcessors());
    }
  }

  /** Produces the prediction of one image, in the class space's encoding. */
  interface Reader extends AutoCloseable {
    /**
     * @param task   the image
     * @param width  the ground truth's width; the prediction must have the same size
     * @param height the ground truth's height
     * @return raw prediction values, row-major, width x height
     * @throws PredictionException naming the file when the prediction is missing or unusable
     * @throws java.io.FileNotFoundException        when a file the prediction needs does not exist
     * @throws dev.segeval.imaging.ImageFormatException when a file the prediction needs cannot be decoded
     * @throws IOException                           for any other I/O failure (fails the task, not the image)
     */
    char[] predict(ScoringTask task, int width, int height) throws IOException, PredictionException;

    @Override
    default void close() {
    }
  }

  /** A prediction that cannot be used for this image, with the kind of problem. */
  final class PredictionException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ImageFailure.Kind kind;

    public PredictionException(ImageFailure.Kind kind, String message) {
      super(message);
      this.kind = kind;
    }

    public ImageFailure failure() {
      return new ImageFailure(kind, getMessage());
    }
  }
}
