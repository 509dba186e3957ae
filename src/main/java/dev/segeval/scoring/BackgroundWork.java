package dev.segeval.scoring;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
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

  /**
   * The result of {@code work}, or its failure rethrown as what it is: an I/O or usage error keeps its type (the
   * CLI's exit code and message depend on it), anything else is a programming error. The failure's own stack is the
   * other thread's; the waiting thread's stack rides along as a suppressed exception.
   *
   * @param doing what the work does, for messages ("reading file:/a.png")
   */
  static <T> T await(Future<T> work, String doing) throws IOException {
    try {
      return work.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      work.cancel(true);
      throw new InterruptedIOException("interrupted while " + doing);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      cause.addSuppressed(e);
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(doing + " failed in the background", cause);
    }
  }
}
