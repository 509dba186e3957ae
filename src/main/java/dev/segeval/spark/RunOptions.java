package dev.segeval.spark;

/**
 * How the evaluate job runs, as opposed to what it evaluates ({@link dev.segeval.scoring.EvaluationSpec}).
 *
 * @param progressIntervalMs  milliseconds between progress lines on the driver
 * @param resume              score only the images without committed results of an earlier attempt of the run
 *                            (same run id and fingerprint); without it, a run id starts afresh
 * @param commitIntervalMs    executors commit the results scored so far at least this often within a partition,
 *                            so that a driver that dies loses at most this much work per task slot
 * @param readAhead           images whose files each task reads ahead while it scores ({@link
 *                            dev.segeval.scoring.ReadAhead}); 0 reads each file when it is needed, {@link #AUTO}
 *                            reads {@value #REMOTE_READ_AHEAD} ahead where the data or predictions are not on the
 *                            local file system (object stores answer each request after tens of milliseconds)
 * @param planning            where the run is planned (listed, matched, its earlier results read): {@link
 *                            Planning#AUTO} on the driver when Spark runs in local mode (one JVM: the driver is the
 *                            executor, and the listing started while Spark started is there), else in a task on an
 *                            executor, so that the driver holds nothing per image
 */
public record RunOptions(long progressIntervalMs, boolean resume, long commitIntervalMs, int readAhead,
                         Planning planning) {
  /** Where a run is planned. */
  public enum Planning {
    AUTO, DRIVER, EXECUTOR
  }

  public static final int AUTO = -1;
  public static final int REMOTE_READ_AHEAD = 8;
  // On where files are remote. (It was opt-in for a day after a CI hang, which turned out to be tasks of an aborted
  // job left running without an interrupt and holding the task slots: EvaluateJob now interrupts them.)
  public static final RunOptions DEFAULTS = new RunOptions(5_000, false, 60_000, AUTO, Planning.AUTO);

  public RunOptions {
    if (progressIntervalMs <= 0 || commitIntervalMs <= 0) {
      throw new IllegalArgumentException("intervals must be positive");
    }
    if (readAhead < AUTO) {
      throw new IllegalArgumentException("read-ahead must be AUTO (-1), 0 or more, got " + readAhead);
    }
    if (planning == null) {
      throw new IllegalArgumentException("planning must be given");
    }
  }

  public RunOptions withResume(boolean value) {
    return new RunOptions(progressIntervalMs, value, commitIntervalMs, readAhead, planning);
  }

  public RunOptions withProgressIntervalMs(long value) {
    return new RunOptions(value, resume, commitIntervalMs, readAhead, planning);
  }

  public RunOptions withCommitIntervalMs(long value) {
    return new RunOptions(progressIntervalMs, resume, value, readAhead, planning);
  }

  public RunOptions withReadAhead(int value) {
    return new RunOptions(progressIntervalMs, resume, commitIntervalMs, value, planning);
  }

  public RunOptions withPlanning(Planning value) {
    return new RunOptions(progressIntervalMs, resume, commitIntervalMs, readAhead, value);
  }

  /** Whether a run in a session of this master plans in an executor's task. */
  public boolean plansOnExecutor(boolean localMaster) {
    return planning == Planning.EXECUTOR || (planning == Planning.AUTO && !localMaster);
  }

  /** The read-ahead depth for a run reading these URIs (nulls are skipped): {@link #readAhead} resolved. */
  public int readAheadFor(String... uris) {
    if (readAhead != AUTO) {
      return readAhead;
    }
    for (String uri : uris) {
      if (uri != null && !isLocal(uri)) {
        return REMOTE_READ_AHEAD;
      }
    }
    return 0;
  }

  private static boolean isLocal(String uri) {
    int colon = uri.indexOf(':');
    int slash = uri.indexOf('/');
    boolean hasScheme = colon > 0 && (slash < 0 || colon < slash);
    return !hasScheme || uri.regionMatches(true, 0, "file:", 0, 5);
  }
}
