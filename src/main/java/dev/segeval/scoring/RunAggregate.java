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
  private final ValuePairs valuePairs = new ValuePairs();
  private final java.util.EnumMap<ImageFailure.Kind, Long> failuresByKind = new java.util.EnumMap<>(
      ImageFailure.Kind.class);
  private final java.util.EnumMap<ImageFailure.Kind, String> exampleByKind = new java.util.EnumMap<>(
      ImageFailure.Kind.class);

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
      failuresByKind.merge(r.failure().kind(), 1L, Long::sum);
      exampleByKind.merge(r.failure().kind(), r.failure().message(), RunAggregate::first);
    }
    valuePairs.add(r.valuePairs());
    imageSeconds += r.seconds();
    return this;
  }

  public RunAggregate merge(RunAggregate o) {
    stats.merge(o.stats);
    okImages += o.okImages;
    failedImages += o.failedImages;
    pixels += o.pixels;
    imageSeconds += o.imageSeconds;
    valuePairs.merge(o.valuePairs);
    o.failuresByKind.forEach((k, n) -> failuresByKind.merge(k, n, Long::sum));
    o.exampleByKind.forEach((k, m) -> exampleByKind.merge(k, m, RunAggregate::first));
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

  /** Sampled raw value pairs of every image whose maps could be read (see {@link ValuePairs}). */
  public ValuePairs valuePairs() {
    return valuePairs;
  }

  /** Failed images by kind. */
  public java.util.Map<ImageFailure.Kind, Long> failuresByKind() {
    return failuresByKind;
  }

  /** One failure message per kind: the smallest, so that the example does not depend on Spark's merge order. */
  public java.util.Map<ImageFailure.Kind, String> exampleByKind() {
    return exampleByKind;
  }

  private static String first(String a, String b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Sum of per-image wall time in the executors (decode + predict + score). */
  public double imageSeconds() {
    return imageSeconds;
  }
}
