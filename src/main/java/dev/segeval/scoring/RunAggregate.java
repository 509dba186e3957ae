package dev.segeval.scoring;

import dev.segeval.metrics.SegmentationStats;
import java.io.Serializable;

/** Spark's aggregation buffer: merged statistics of the successful images and counts of all images. */
public final class RunAggregate implements Serializable {
  private static final long serialVersionUID = 1L;

  private final SegmentationStats stats;
  private long okImages;
  private long failedImages;
  private long pixels;
  private double imageSeconds;

  public RunAggregate(SegmentationStats empty) {
    this.stats = empty;
  }

  public RunAggregate add(ImageResult r) {
    if (r.ok()) {
      stats.merge(r.stats());
      okImages++;
      pixels += (long) r.width() * r.height();
    } else {
      failedImages++;
    }
    imageSeconds += r.seconds();
    return this;
  }

  public RunAggregate merge(RunAggregate o) {
    stats.merge(o.stats);
    okImages += o.okImages;
    failedImages += o.failedImages;
    pixels += o.pixels;
    imageSeconds += o.imageSeconds;
    return this;
  }

  public SegmentationStats stats() {
    return stats;
  }

  public long okImages() {
    return okImages;
  }

  public long failedImages() {
    return failedImages;
  }

  /** All pixels of the successful images, ignored ones included. */
  public long pixels() {
    return pixels;
  }

  /** Sum of per-image wall time in the executors (decode + predict + score). */
  public double imageSeconds() {
    return imageSeconds;
  }
}
