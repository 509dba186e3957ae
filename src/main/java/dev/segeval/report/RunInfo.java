package dev.segeval.report;

import java.util.List;

/**
 * Facts about a run that are not metrics: what was evaluated, how many images, how long it took.
 *
 * @param failures     the first failed images (id, kind and message), at most {@link #MAX_LISTED_FAILURES}
 * @param resumedCount images whose results were committed by an earlier, interrupted attempt of the run
 * @param precision    the model's forward precision (fp32, bf16, fp16) when a model predicted, else null
 */
public record RunInfo(String runId, String dataset, String split, String dataRoot, String predictions,
                      String predictionEncoding, String absentClassPolicy, String startedAt, String sparkMaster,
                      String toolVersion, long imageCount, long okCount, long failedCount, long pixels,
                      double listingSeconds, double scoringSeconds, double writingSeconds, double totalSeconds,
                      List<Failure> failures, long resumedCount, String precision) {

  public static final int MAX_LISTED_FAILURES = 100;

  /** A failed image; {@code kind} is {@link dev.segeval.scoring.ImageFailure.Kind#label()}. */
  public record Failure(String id, String kind, String error) implements java.io.Serializable {
  }
}
