package dev.segeval.report;

import java.util.List;

/**
 * Facts about a run that are not metrics: what was evaluated, how many images, how long it took.
 *
 * @param failures the first failed images (id and message), at most {@link #MAX_LISTED_FAILURES}
 */
public record RunInfo(String runId, String dataset, String split, String dataRoot, String predictions,
                      String predictionEncoding, String absentClassPolicy, String startedAt, String sparkMaster,
                      String toolVersion, long imageCount, long okCount, long failedCount, long pixels,
                      double listingSeconds, double scoringSeconds, double writingSeconds, double totalSeconds,
                      List<Failure> failures) {

  public static final int MAX_LISTED_FAILURES = 100;

  public record Failure(String id, String error) {
  }
}
