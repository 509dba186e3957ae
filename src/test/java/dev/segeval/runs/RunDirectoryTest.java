package dev.segeval.runs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.metrics.ConfusionMatrix;
import dev.segeval.metrics.InstanceStats;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.scoring.ImageFailure;
import dev.segeval.scoring.ImageResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chunk files of a run: what is committed is read back field for field, and damaged files fail as IOException. */
class RunDirectoryTest {
  @TempDir
  Path tmp;

  private final Configuration conf = new Configuration();

  static ImageResult scored(String id, long seed) {
    Random r = new Random(seed);
    ConfusionMatrix m = new ConfusionMatrix(19, 21);
    for (int k = 0; k < 40; k++) {
      m.add(r.nextInt(19), r.nextInt(21), 1 + r.nextInt(5000));
    }
    InstanceStats inst = new InstanceStats(19, 8);
    for (int k = 0; k < 12; k++) {
      long size = 1 + r.nextInt(40_000);
      // Average sizes as in the labels table: fractional weights whose exact sums need many binary places.
      inst.addClassInstance(11 + r.nextInt(8), r.nextInt((int) size + 1), size, 3462.4756337644);
      inst.addCategoryInstance(r.nextInt(2) == 0 ? 6 : 7, r.nextInt((int) size + 1), size, 7930.2457);
    }
    SegmentationStats stats = new SegmentationStats(m, inst);
    stats.addIgnoredPixels(r.nextInt(1000));
    return new ImageResult(id, "file:/data/leftImg8bit/" + id + ".png", "file:/data/gtFine/" + id + ".png",
        "s3a://bucket/preds/ünï " + id + ".png", ImageResult.Status.OK, null, 2048, 1024, stats, 0.125 * seed,
        "executor 1 on host (pid 42)", null);
  }

  static ImageResult failed(String id) {
    return new ImageResult(id, null, "file:/data/gtFine/" + id + ".png", null, ImageResult.Status.FAILED,
        new ImageFailure(ImageFailure.Kind.PREDICTION_VALUE, "file:/p/" + id + ".png: value 300 at (4, 7)\nsecond line"),
        0, 0, null, 0.5, null, new long[] {7L << 32 | 300, 12, 26L << 32 | 26, 99});
  }

  private String commitOne(List<ImageResult> chunk) throws IOException {
    RunDirectory dir = new RunDirectory(HadoopPaths.qualify(tmp.resolve("out").toString()), "r1");
    dir.commit(chunk, conf);
    List<String> files = dir.committedFiles(conf);
    assertEquals(1, files.size());
    return files.get(0);
  }

  @Test
  void committedResultsReadBackFieldForField() throws Exception {
    List<ImageResult> chunk = List.of(scored("a", 1), failed("b"), scored("c", 2));
    String file = commitOne(chunk);
    assertEquals(List.of(new RunDirectory.Entry("a", true), new RunDirectory.Entry("b", false),
        new RunDirectory.Entry("c", true)), RunDirectory.readEntries(file, conf));
    List<ImageResult> back = RunDirectory.read(file, conf);
    assertEquals(3, back.size());
    for (int i = 0; i < 3; i++) {
      ImageResult want = chunk.get(i);
      ImageResult got = back.get(i);
      assertEquals(want.id(), got.id());
      assertEquals(want.imagePath(), got.imagePath());
      assertEquals(want.labelPath(), got.labelPath());
      assertEquals(want.predictionPath(), got.predictionPath());
      assertEquals(want.status(), got.status());
      assertEquals(want.failure(), got.failure());
      assertEquals(want.width(), got.width());
      assertEquals(want.height(), got.height());
      assertEquals(want.stats(), got.stats());
      assertEquals(want.seconds(), got.seconds());
      assertEquals(want.worker(), got.worker());
      assertArrayEquals(want.valuePairs(), got.valuePairs());
      if (want.ok()) {
        InstanceStats a = want.stats().instances();
        InstanceStats b = got.stats().instances();
        for (int c = 0; c < 19; c++) {
          // The exact strings (with their scale) are what images/ stores: equal, not merely equal in value.
          assertEquals(a.classTpWeightedExact(c).toString(), b.classTpWeightedExact(c).toString());
          assertEquals(a.classFnWeightedExact(c).toString(), b.classFnWeightedExact(c).toString());
          assertEquals(a.classTpWeighted(c), b.classTpWeighted(c));
        }
        for (int k = 0; k < 8; k++) {
          assertEquals(a.categoryTpWeightedExact(k).toString(), b.categoryTpWeightedExact(k).toString());
          assertEquals(a.categoryFnWeightedExact(k).toString(), b.categoryFnWeightedExact(k).toString());
        }
        assertEquals(want.stats().ignoredPixels(), got.stats().ignoredPixels());
        assertTrue(b.instances() > 0);
      }
    }
    assertNull(back.get(1).stats());
  }

  @Test
  void readSumsKeepAddingExactly() throws Exception {
    String file = commitOne(List.of(scored("a", 3), scored("b", 4)));
    List<ImageResult> back = RunDirectory.read(file, conf);
    SegmentationStats merged = scored("a", 3).stats().copy().merge(scored("b", 4).stats());
    SegmentationStats mergedBack = back.get(0).stats().copy().merge(back.get(1).stats());
    assertEquals(merged, mergedBack);
    assertEquals(merged.instances().classTpWeightedExact(15).toString(),
        mergedBack.instances().classTpWeightedExact(15).toString());
  }

  @Test
  void aChunkOfAnEarlierVersionIsNamedAsSuch() throws Exception {
    String file = commitOne(List.of(scored("a", 1)));
    ByteArrayOutputStream old = new ByteArrayOutputStream();
    try (ObjectOutputStream o = new ObjectOutputStream(old)) {
      o.writeInt(3);
      o.writeInt(1);
      o.writeUTF("a");
      o.writeBoolean(true);
    }
    Files.write(Path.of(java.net.URI.create(file.replace("file:/", "file:///"))), old.toByteArray());
    IOException e = assertThrows(IOException.class, () -> RunDirectory.read(file, conf));
    assertTrue(e.getMessage().contains("earlier version") && e.getMessage().contains("rerun without --resume"),
        e.getMessage());
    assertThrows(IOException.class, () -> RunDirectory.readEntries(file, conf));
  }

  @Test
  void truncatedAndDamagedChunksFailAsIoErrorsNamingTheFile() throws Exception {
    String file = commitOne(List.of(scored("a", 1), failed("b"), scored("c", 5)));
    Path local = Path.of(java.net.URI.create(file.replace("file:/", "file:///")));
    byte[] good = Files.readAllBytes(local);

    Files.write(local, java.util.Arrays.copyOf(good, good.length - 9));
    IOException cut = assertThrows(IOException.class, () -> RunDirectory.read(file, conf));
    assertTrue(cut.getMessage().contains("truncated") && cut.getMessage().contains(local.getFileName().toString()),
        cut.getMessage());

    // Random damage anywhere (header, counts, exact-sum limbs, paths): the checksum refuses every damaged file,
    // as an IOException naming it, never as a result with other numbers.
    Random r = new Random(11);
    int failures = 0;
    int trials = 2000;
    for (int trial = 0; trial < trials; trial++) {
      byte[] bad = good.clone();
      int flips = 1 + r.nextInt(3);
      for (int f = 0; f < flips; f++) {
        bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
      }
      if (java.util.Arrays.equals(bad, good)) {
        failures++; // two flips of the same bit: nothing damaged
        continue;
      }
      Files.write(local, bad);
      try {
        RunDirectory.read(file, conf);
      } catch (IOException e) {
        failures++;
        assertTrue(e.getMessage().startsWith("Cannot read committed results"), e.getMessage());
      }
    }
    assertEquals(trials, failures, "damaged chunk files read back as results");
  }

  @Test
  void damagedRecordsBehindAValidChecksumStillFailAsIoErrors() throws Exception {
    // A file with a matching checksum but foreign content (written by hand, or by another tool): the record reader
    // checks every size and count itself.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      RunDirectory.writeResult(out, scored("a", 7));
      RunDirectory.writeResult(out, failed("b"));
    }
    byte[] good = bytes.toByteArray();
    Random r = new Random(5);
    int refused = 0;
    for (int trial = 0; trial < 3000; trial++) {
      byte[] bad = good.clone();
      bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
      bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
      java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(bad));
      try {
        ImageResult first = RunDirectory.readResult(in);
        RunDirectory.readResult(in);
        assertTrue(first.id() != null);
      } catch (IOException e) {
        refused++; // includes EOFException from a damaged length
      }
    }
    assertTrue(refused > 0);
  }

  @Test
  void theChunkHeaderLimitsAreChecked() throws Exception {
    String file = commitOne(List.of(scored("a", 1)));
    Path local = Path.of(java.net.URI.create(file.replace("file:/", "file:///")));
    byte[] bytes = Files.readAllBytes(local);
    bytes[4] = (byte) 0x7F; // an image count of about two billion
    Files.write(local, bytes);
    IOException e = assertThrows(IOException.class, () -> RunDirectory.readEntries(file, conf));
    assertTrue(e.getMessage().contains("not a chunk file"), e.getMessage());
  }
}
