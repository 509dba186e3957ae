package dev.segeval.metrics;

import dev.segeval.labels.ClassSpace;
import java.io.Serializable;
import java.util.Objects;

/**
 * The sufficient statistics of an evaluation: a confusion matrix and, for datasets with instances, the
 * instance statistics. Collected per image, merged by addition, turned into ratios once by {@link MetricReport}.
 */
public final class SegmentationStats implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ConfusionMatrix confusion;
  private final InstanceStats instances;
  private long ignoredPixels;

  public SegmentationStats(ConfusionMatrix confusion, InstanceStats instances) {
    this.confusion = Objects.requireNonNull(confusion);
    this.instances = instances;
  }

  /** The identity of {@link #merge} for a class space (instance statistics only where it has instances). */
  public static SegmentationStats empty(ClassSpace space) {
    return new SegmentationStats(new ConfusionMatrix(space.numClasses(), space.numColumns()),
        space.instanceEvaluation() ? new InstanceStats(space.numClasses(), space.categories().size()) : null);
  }

  public ConfusionMatrix confusion() {
    return confusion;
  }

  /** Null when the dataset has no instance-level evaluation. */
  public InstanceStats instances() {
    return instances;
  }

  /** Ground-truth pixels skipped because their label is ignored in evaluation. */
  public long ignoredPixels() {
    return ignoredPixels;
  }

  public void addIgnoredPixels(long n) {
    ignoredPixels += n;
  }

  public SegmentationStats merge(SegmentationStats other) {
    confusion.merge(other.confusion);
    if ((instances == null) != (other.instances == null)) {
      throw new IllegalArgumentException("Cannot merge statistics with and without instance statistics");
    }
    if (instances != null) {
      instances.merge(other.instances);
    }
    ignoredPixels += other.ignoredPixels;
    return this;
  }

  public SegmentationStats copy() {
    SegmentationStats s = new SegmentationStats(confusion.copy(), instances == null ? null : instances.copy());
    s.ignoredPixels = ignoredPixels;
    return s;
  }

  /** Writes the statistics for {@link #readFrom} (the committed results of a run). */
  public void writeTo(java.io.DataOutput out) throws java.io.IOException {
    confusion.writeTo(out);
    out.writeLong(ignoredPixels);
    out.writeBoolean(instances != null);
    if (instances != null) {
      instances.writeTo(out);
    }
  }

  /**
   * Reads statistics written by {@link #writeTo}.
   *
   * @throws java.io.IOException when a part is out of range
   */
  public static SegmentationStats readFrom(java.io.DataInput in) throws java.io.IOException {
    ConfusionMatrix confusion = ConfusionMatrix.readFrom(in);
    long ignored = in.readLong();
    if (ignored < 0) {
      throw new java.io.IOException("not segmentation statistics (negative ignored pixels " + ignored + ")");
    }
    InstanceStats instances = in.readBoolean() ? InstanceStats.readFrom(in) : null;
    if (instances != null && instances.numClasses() != confusion.rows()) {
      throw new java.io.IOException("not segmentation statistics (" + instances.numClasses()
          + " instance classes for " + confusion.rows() + " confusion rows)");
    }
    SegmentationStats s = new SegmentationStats(confusion, instances);
    s.ignoredPixels = ignored;
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SegmentationStats s && s.confusion.equals(confusion)
        && Objects.equals(s.instances, instances) && s.ignoredPixels == ignoredPixels;
  }

  @Override
  public int hashCode() {
    return confusion.hashCode();
  }
}
