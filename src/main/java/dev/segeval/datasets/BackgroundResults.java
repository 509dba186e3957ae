package dev.segeval.datasets;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Results of work done on other threads (listings, read-ahead), with failures rethrown as what they are. */
public final class BackgroundResults {
  private BackgroundResults() {
  }

  /**
   * The result of {@code work}, or its failure rethrown as what it is: an I/O or usage error keeps its type (the
   * CLI's exit code and message depend on it), anything else is a programming error. The failure's own stack is the
   * other thread's; the waiting thread's stack rides along as a suppressed exception.
   *
   * @param doing what the work does, for messages ("reading file:/a.png")
   */
  public static <T> T get(Future<T> work, String doing) throws IOException {
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
