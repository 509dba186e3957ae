package dev.segeval.scoring;

import dev.segeval.datasets.Sample;
import java.io.Serializable;

/**
 * What an executor needs to score one image: the sample and, for folder predictions, the prediction file
 * resolved on the driver (or why it could not be resolved, which fails the image without reading it).
 */
public record ScoringTask(Sample sample, String predictionPath, ImageFailure unresolved) implements Serializable {

  public static ScoringTask of(Sample sample, String predictionPath) {
    return new ScoringTask(sample, predictionPath, null);
  }
}
