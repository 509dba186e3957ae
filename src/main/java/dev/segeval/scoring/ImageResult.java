package dev.segeval.scoring;

import dev.segeval.metrics.SegmentationStats;
import java.io.Serializable;

/**
 * The outcome of one image: its statistics, or why it failed. A failed image contributes nothing to the
 * metrics; it is counted and listed instead.
 */
public record ImageResult(String id, String imagePath, String labelPath, String predictionPath, Status status,
                          String error, int width, int height, SegmentationStats stats, double seconds,
                          String worker) implements Serializable {

  /** Where the image was scored (Spark executor id, host and process id), for stragglers and fault analysis. */
  public ImageResult withWorker(String where) {
    return new ImageResult(id, imagePath, labelPath, predictionPath, status, error, width, height, stats, seconds,
        where);
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

  public static ImageResult failed(ScoringTask task, String error, double seconds) {
    return new ImageResult(task.sample().id(), task.sample().imagePath(), task.sample().labelPath(),
        task.predictionPath(), Status.FAILED, error, 0, 0, null, seconds, null);
  }
}
