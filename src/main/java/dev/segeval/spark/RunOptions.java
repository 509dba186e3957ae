package dev.segeval.spark;

/**
 * How the evaluate job runs, as opposed to what it evaluates ({@link dev.segeval.scoring.EvaluationSpec}).
 *
 * @param progressIntervalMs  milliseconds between progress lines on the driver
 * @param resume              score only the images without committed results of an earlier attempt of the run
 *                            (same run id and fingerprint); without it, a run id starts afresh
 * @param commitIntervalMs    executors commit the results scored so far at least this often within a partition,
 *                            so that a driver that dies loses at most this much work per task slot
 */
public record RunOptions(long progressIntervalMs, boolean resume, long commitIntervalMs) {
  public static final RunOptions DEFAULTS = new RunOptions(5_000, false, 60_000);

  public RunOptions {
    if (progressIntervalMs <= 0 || commitIntervalMs <= 0) {
      throw new IllegalArgumentException("intervals must be positive");
    }
  }

  public RunOptions withResume(boolean value) {
    return new RunOptions(progressIntervalMs, value, commitIntervalMs);
  }

  public RunOptions withProgressIntervalMs(long value) {
    return new RunOptions(value, resume, commitIntervalMs);
  }

  public RunOptions withCommitIntervalMs(long value) {
    return new RunOptions(progressIntervalMs, resume, value);
  }
}
