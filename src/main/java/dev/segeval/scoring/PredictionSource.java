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
  Reader open(Configuration conf) throws IOException;

  /** A short description for summaries and logs, without credentials. */
  String describe();

  /** Produces the prediction of one image, in the class space's encoding. */
  interface Reader extends AutoCloseable {
    /**
     * @param task   the image
     * @param width  the ground truth's width; the prediction must have the same size
     * @param height the ground truth's height
     * @return raw prediction values, row-major, width x height
     * @throws PredictionException naming the file when the prediction is missing or unusable
     */
    int[] predict(ScoringTask task, int width, int height) throws IOException, PredictionException;

    @Override
    default void close() {
    }
  }

  /** A prediction that cannot be used for this image. */
  final class PredictionException extends Exception {
    private static final long serialVersionUID = 1L;

    public PredictionException(String message) {
      super(message);
    }
  }
}
