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

  /** Writes the aggregate for {@link #readFrom} (the summary of a committed chunk of results). */
  public void writeTo(java.io.DataOutput out) throws java.io.IOException {
    stats.writeTo(out);
    out.writeLong(okImages);
    out.writeLong(failedImages);
    out.writeLong(pixels);
    out.writeDouble(imageSeconds);
    out.writeInt(valuePairs.counts().size());
    for (java.util.Map.Entry<Long, Long> e : valuePairs.counts().entrySet()) {
      out.writeLong(e.getKey());
      out.writeLong(e.getValue());
    }
    out.writeInt(failuresByKind.size());
    for (java.util.Map.Entry<ImageFailure.Kind, Long> e : failuresByKind.entrySet()) {
      out.writeUTF(e.getKey().name());
      out.writeLong(e.getValue());
      DataRecords.writeString(out, exampleByKind.get(e.getKey()));
    }
  }

  /**
   * Reads an aggregate written by {@link #writeTo}, checking every count.
   *
   * @throws java.io.IOException when a value is out of range or the statistics do not have {@code classes} rows
   */
  public static RunAggregate readFrom(java.io.DataInput in, int classes) throws java.io.IOException {
    SegmentationStats stats = SegmentationStats.readFrom(in);
    if (stats.confusion().rows() != classes) {
      throw new java.io.IOException("an aggregate of " + stats.confusion().rows() + " classes, the run has "
          + classes);
    }
    RunAggregate a = new RunAggregate(stats);
    a.okImages = nonNegative(in.readLong(), "scored images");
    a.failedImages = nonNegative(in.readLong(), "failed images");
    a.pixels = nonNegative(in.readLong(), "pixels");
    a.imageSeconds = in.readDouble();
    int pairs = in.readInt();
    if (pairs < 0 || pairs > 1 << 24) {
      throw new java.io.IOException(pairs + " value pairs");
    }
    for (int i = 0; i < pairs; i++) {
      long key = in.readLong();
      a.valuePairs.counts().merge(key, nonNegative(in.readLong(), "value pair count"), Long::sum);
    }
    int kinds = in.readInt();
    if (kinds < 0 || kinds > ImageFailure.Kind.values().length) {
      throw new java.io.IOException(kinds + " failure kinds");
    }
    for (int i = 0; i < kinds; i++) {
      String name = in.readUTF();
      ImageFailure.Kind kind;
      try {
        kind = ImageFailure.Kind.valueOf(name);
      } catch (IllegalArgumentException e) {
        throw new java.io.IOException("an unknown failure kind " + name, e);
      }
      a.failuresByKind.put(kind, nonNegative(in.readLong(), "failures"));
      String example = DataRecords.readString(in);
      if (example != null) {
        a.exampleByKind.put(kind, example);
      }
    }
    return a;
  }

  private static long nonNegative(long value, String what) throws java.io.IOException {
    if (value < 0) {
      throw new java.io.IOException("a negative count of " + what + ": " + value);
    }
    return value;
  }

  private static String first(String a, String b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Sum of per-image wall time in the executors (decode + predict + score). */
  public double imageSeconds() {
    return imageSeconds;
  }
}
