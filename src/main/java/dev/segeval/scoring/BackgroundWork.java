package dev.segeval.scoring;

import dev.segeval.datasets.BackgroundResults;
import java.io.IOException;
import java.util.concurrent.Future;

/**
 * Work done on another thread (read-ahead, the listings), awaited without losing its failure's type.
 */
final class BackgroundWork {
  private BackgroundWork() {
  }

  /** Runs {@code work} on a new daemon thread of that name; the task is the handle to await or cancel it. */
  static <T> java.util.concurrent.FutureTask<T> start(String threadName, java.util.concurrent.Callable<T> work) {
    java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(work);
    Thread thread = new Thread(task, threadName);
    thread.setDaemon(true);
    thread.start();
    return task;
  }

  /** The result of {@code work}, its failure rethrown with its type ({@link BackgroundResults#get}). */
  static <T> T await(Future<T> work, String doing) throws IOException {
    return BackgroundResults.get(work, doing);
  }
}
