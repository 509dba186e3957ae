package dev.segeval.scoring;

import dev.segeval.datasets.Sample;
import java.io.Serializable;
import java.util.Objects;

/**
 * What an executor needs to score one image: the sample and, for folder predictions, the prediction file
 * resolved on the driver (or why it could not be resolved, which fails the image without reading it). The
 * prediction path is stored as its folder (interned) and its name after the image id where it starts with it,
 * as {@link Sample} stores its paths: the driver holds one task per image.
 */
public final class ScoringTask implements Serializable {
  private static final long serialVersionUID = 2L;

  private final Sample sample;
  private final String predictionFolder;
  private final String predictionName;
  private final boolean predictionAfterId;
  private final ImageFailure unresolved;

  public ScoringTask(Sample sample, String predictionPath, ImageFailure unresolved) {
    this.sample = sample;
    this.unresolved = unresolved;
    String id = sample == null ? null : sample.id();
    if (predictionPath == null) {
      predictionFolder = null;
      predictionName = null;
      predictionAfterId = false;
    } else {
      int slash = predictionPath.lastIndexOf('/');
      predictionFolder = slash < 0 ? null : predictionPath.substring(0, slash).intern();
      String name = predictionPath.substring(slash + 1);
      predictionAfterId = id != null && !id.isEmpty() && name.startsWith(id);
      predictionName = predictionAfterId ? name.substring(id.length()).intern() : name;
    }
  }

  public static ScoringTask of(Sample sample, String predictionPath) {
    return new ScoringTask(sample, predictionPath, null);
  }

  public Sample sample() {
    return sample;
  }

  /** The resolved prediction file, exactly as given; null without one. */
  public String predictionPath() {
    if (predictionName == null) {
      return null;
    }
    String fileName = predictionAfterId ? sample.id() + predictionName : predictionName;
    return predictionFolder == null ? fileName : predictionFolder + "/" + fileName;
  }

  public ImageFailure unresolved() {
    return unresolved;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScoringTask t && Objects.equals(sample, t.sample)
        && Objects.equals(predictionPath(), t.predictionPath()) && Objects.equals(unresolved, t.unresolved);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sample, predictionPath(), unresolved);
  }

  @Override
  public String toString() {
    return "ScoringTask[sample=" + sample + ", predictionPath=" + predictionPath() + ", unresolved=" + unresolved
        + "]";
  }
}
