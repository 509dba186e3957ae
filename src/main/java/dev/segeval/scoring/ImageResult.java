package dev.segeval.scoring;

import dev.segeval.metrics.SegmentationStats;
import java.io.Serializable;

/**
 * The outcome of one image: its statistics, or why it failed. A failed image contributes nothing to the
 * metrics; it is counted and listed instead.
 *
 * @param valuePairs sampled raw (ground truth, prediction) value pairs ({@link ValuePairs.Sampler#sample}), kept for
 *                   failed images too when both maps could be read; null when they could not
 */
public record ImageResult(String id, String imagePath, String labelPath, String predictionPath, Status status,
                          ImageFailure failure, int width, int height, SegmentationStats stats, double seconds,
                          String worker, long[] valuePairs) implements Serializable {

  /** Where the image was scored (Spark executor id, host and process id), for stragglers and fault analysis. */
  public ImageResult withWorker(String where) {
    return new ImageResult(id, imagePath, labelPath, predictionPath, status, failure, width, height, stats, seconds,
        where, valuePairs);
  }

  public enum Status {
    OK, FAILED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public boolean ok() {
    return status == Status.OK;
  }

  /** The failure message (naming the file), or null for a scored image. */
  public String error() {
    return failure == null ? null : failure.message();
  }

  public static ImageResult failed(ScoringTask task, ImageFailure failure, double seconds, long[] valuePairs) {
    return new ImageResult(task.sample().id(), task.sample().imagePath(), task.sample().labelPath(),
        task.predictionPath(), Status.FAILED, failure, 0, 0, null, seconds, null, valuePairs);
  }
}
