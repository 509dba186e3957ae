package dev.segeval.scoring;

import dev.segeval.datasets.BackgroundResults;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Bounded read-ahead for one task thread: while an image is decoded and scored, the files of the next
 * {@code depth} images are already being read by a few background threads. On an object store every file is a
 * request with tens of milliseconds of latency and scoring waits on each in turn; with read-ahead the waits
 * overlap. At most {@code depth} images beyond the current one are held in memory.
 *
 * <p>Not thread-safe: one instance per task thread, which both iterates and reads. A background read's failure
 * is rethrown, with its own type, to the task thread when (and only when) that file is asked for, so a missing
 * file still fails its image as missing and an outage still fails the task.
 */
public final class ReadAhead implements FileSource, AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final FileSource direct;
  private final int depth;
  private final Function<ScoringTask, List<String>> filesOf;
  private final ExecutorService pool;
  private final Map<String, Future<byte[]>> pending = new HashMap<>();

  /**
   * @param direct   how a file is read (in the background threads)
   * @param depth    images read ahead of the one being scored, at least 1
   * @param threads  background reads at a time
   * @param filesOf  the files scoring a task will read
   */
  public ReadAhead(FileSource direct, int depth, int threads, Function<ScoringTask, List<String>> filesOf) {
    if (depth < 1 || threads < 1) {
      throw new IllegalArgumentException("read-ahead depth and threads must be at least 1");
    }
    this.direct = direct;
    this.depth = depth;
    this.filesOf = filesOf;
    int id = POOLS.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "segeval-read-ahead-" + id + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** The tasks in their order, with the files of the next {@code depth} ones being read while one is scored. */
  public Iterator<ScoringTask> over(Iterator<ScoringTask> tasks) {
    return new Iterator<>() {
      private final ArrayDeque<ScoringTask> window = new ArrayDeque<>();
      private List<String> current = List.of();

      @Override
      public boolean hasNext() {
        fill();
        return !window.isEmpty();
      }

      @Override
      public ScoringTask next() {
        fill();
        if (window.isEmpty()) {
          throw new NoSuchElementException();
        }
        discard(current); // files of the previous image it did not read (it failed before reading them)
        ScoringTask task = window.poll();
        current = filesOf.apply(task);
        fill();
        return task;
      }

      private void fill() {
        while (window.size() < depth && tasks.hasNext()) { // after next(): depth images ahead
          ScoringTask task = tasks.next();
          window.add(task);
          for (String path : filesOf.apply(task)) {
            if (path != null && !pending.containsKey(path)) {
              pending.put(path, pool.submit(() -> direct.read(path)));
            }
          }
        }
      }
    };
  }

  private void discard(List<String> paths) {
    for (String path : paths) {
      Future<byte[]> f = path == null ? null : pending.remove(path);
      if (f != null) {
        f.cancel(true);
      }
    }
  }

  /** Files read in the background that nobody has asked for yet (for tests: nothing may be left behind). */
  int pendingFiles() {
    return pending.size();
  }

  @Override
  public byte[] read(String path) throws IOException {
    Future<byte[]> f = pending.remove(path);
    if (f == null) {
      return direct.read(path);
    }
    return BackgroundResults.get(f, "reading " + path);
  }

  /** Whether the background threads have ended, waiting up to {@code millis} (for tests). */
  boolean stopped(long millis) throws InterruptedException {
    return pool.awaitTermination(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    pool.shutdownNow();
    pending.clear();
  }
}
