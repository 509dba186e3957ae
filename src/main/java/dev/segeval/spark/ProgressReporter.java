package dev.segeval.spark;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Prints images done / total, images per second and time left while a job group runs. Images are counted by
 * an accumulator that executors update as tasks finish, so the count moves at task granularity; Spark's
 * status tracker supplies the running-task count shown alongside.
 */
final class ProgressReporter implements AutoCloseable {
  private final Thread thread;
  private volatile boolean stopped;

  ProgressReporter(JavaSparkContext jsc, String jobGroup, LongAccumulator done, long total, PrintStream out,
                   long intervalMillis) {
    long start = System.nanoTime();
    thread = new Thread(() -> {
      long lastPrinted = -1;
      while (!stopped) {
        try {
          Thread.sleep(intervalMillis);
        } catch (InterruptedException e) {
          return;
        }
        long n = done.value();
        double secs = (System.nanoTime() - start) / 1e9;
        int running = 0;
        for (int jobId : jsc.statusTracker().getJobIdsForGroup(jobGroup)) {
          SparkJobInfo job = jsc.statusTracker().getJobInfo(jobId);
          if (job == null) {
            continue;
          }
          for (int stageId : job.stageIds()) {
            SparkStageInfo stage = jsc.statusTracker().getStageInfo(stageId);
            if (stage != null) {
              running += stage.numActiveTasks();
            }
          }
        }
        if (n == lastPrinted && n > 0) {
          continue;
        }
        lastPrinted = n;
        double rate = n / Math.max(secs, 1e-9);
        String left = n == 0 ? "?" : String.format(Locale.ROOT, "%.0f s", (total - n) / rate);
        out.printf(Locale.ROOT, "[segeval] %d/%d images (%.0f%%), %.1f images/s, %d tasks running, ~%s left%n", n,
            total, 100.0 * n / Math.max(total, 1), rate, running, left);
        out.flush();
      }
    }, "segeval-progress");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops the reporter and waits for it, so that no progress line follows what the job prints next. */
  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
