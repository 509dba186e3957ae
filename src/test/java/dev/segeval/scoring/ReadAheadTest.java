package dev.segeval.scoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.datasets.Sample;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReadAheadTest {

  /** A file system of made-up files whose reads are counted; "missing" and "broken" files fail. */
  static final class CountingFiles implements FileSource {
    final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
    final AtomicInteger started = new AtomicInteger();

    @Override
    public byte[] read(String path) throws IOException {
      started.incrementAndGet();
      reads.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      if (path.contains("missing")) {
        throw new FileNotFoundException(path);
      }
      if (path.contains("broken")) {
        throw new IllegalStateException("a bug while reading " + path);
      }
      return path.getBytes(StandardCharsets.UTF_8);
    }
  }

  static List<ScoringTask> tasks(int n) {
    List<ScoringTask> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(ScoringTask.of(new Sample("img" + i, null, "gt/" + i, "inst/" + i), "pred/" + i));
    }
    return out;
  }

  static List<String> files(ScoringTask t) {
    return List.of(t.sample().labelPath(), t.sample().instancePath(), t.predictionPath());
  }

  @Test
  void yieldsTheTasksInOrderAndEachFileOnceWithItsBytes() throws Exception {
    CountingFiles fs = new CountingFiles();
    List<ScoringTask> all = tasks(50);
    List<String> seen = new ArrayList<>();
    try (ReadAhead ahead = new ReadAhead(fs, 4, 3, ReadAheadTest::files)) {
      Iterator<ScoringTask> it = ahead.over(all.iterator());
      while (it.hasNext()) {
        ScoringTask t = it.next();
        seen.add(t.sample().id());
        for (String f : files(t)) {
          assertArrayEquals(f.getBytes(StandardCharsets.UTF_8), ahead.read(f));
        }
        // Bounded: never more than the current image and four ahead have been asked of the file system.
        int consumed = seen.size();
        assertTrue(fs.started.get() <= 3 * Math.min(all.size(), consumed + 4), fs.started + " reads started");
      }
      assertEquals(0, ahead.pendingFiles());
    }
    assertEquals(all.stream().map(t -> t.sample().id()).toList(), seen);
    assertEquals(150, fs.reads.size());
    fs.reads.forEach((path, n) -> assertEquals(1, n.get(), path));
  }

  @Test
  void failuresKeepTheirTypeAndReachOnlyTheImageThatAsks() throws Exception {
    CountingFiles fs = new CountingFiles();
    List<ScoringTask> all = new ArrayList<>(tasks(3));
    all.set(1, ScoringTask.of(new Sample("img1", null, "gt/missing-1", "inst/1"), "pred/1"));
    all.add(ScoringTask.of(new Sample("img3", null, "gt/3", "inst/3"), "pred/broken-3"));
    try (ReadAhead ahead = new ReadAhead(fs, 8, 4, ReadAheadTest::files)) {
      Iterator<ScoringTask> it = ahead.over(all.iterator());
      ScoringTask first = it.next();
      for (String f : files(first)) {
        ahead.read(f); // its neighbour's missing file does not fail it
      }
      ScoringTask second = it.next();
      // The missing label is a FileNotFoundException, as a direct read would throw: the image fails as missing.
      FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> ahead.read(second.sample().labelPath()));
      assertTrue(e.getMessage().contains("gt/missing-1"));
      // It failed before reading its other files: they are dropped when the next image comes.
      ScoringTask third = it.next();
      assertEquals("img2", third.sample().id());
      for (String f : files(third)) {
        ahead.read(f);
      }
      ScoringTask fourth = it.next();
      ahead.read(fourth.sample().labelPath());
      ahead.read(fourth.sample().instancePath());
      // A programming error in a background read surfaces as itself, not as a bad image.
      IllegalStateException bug = assertThrows(IllegalStateException.class, () -> ahead.read("pred/broken-3"));
      assertTrue(bug.getMessage().contains("a bug"));
      assertFalse(it.hasNext());
      assertEquals(0, ahead.pendingFiles());
    }
  }

  @Test
  void aFileNotReadAheadIsReadDirectly() throws Exception {
    CountingFiles fs = new CountingFiles();
    try (ReadAhead ahead = new ReadAhead(fs, 2, 1, ReadAheadTest::files)) {
      assertArrayEquals("other".getBytes(StandardCharsets.UTF_8), ahead.read("other"));
      assertEquals(1, fs.reads.get("other").get());
    }
    assertThrows(IllegalArgumentException.class, () -> new ReadAhead(fs, 0, 1, ReadAheadTest::files));
  }

  @Test
  void backgroundThreadsStopWithTheTask() throws Exception {
    CountingFiles fs = new CountingFiles();
    ReadAhead ahead = new ReadAhead(fs, 4, 2, ReadAheadTest::files);
    Iterator<ScoringTask> it = ahead.over(tasks(10).iterator());
    it.next();
    assertFalse(ahead.stopped(0));
    ahead.close();
    assertTrue(ahead.stopped(5_000), "read-ahead threads still running after close");
    assertEquals(0, ahead.pendingFiles());
  }
}
