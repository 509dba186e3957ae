package dev.segeval.scoring;

/**
 * Work started on another thread (the listings); {@link dev.segeval.datasets.BackgroundResults#get} awaits it.
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
}
