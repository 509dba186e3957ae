package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.ConfusionMatrix;
import dev.segeval.metrics.InstanceStats;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.report.HtmlReports;
import dev.segeval.report.RunInfo;
import dev.segeval.runs.RunDirectory;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.ImageFailure;
import dev.segeval.scoring.ImageResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summary each chunk file carries (its share of the aggregate and its images/ rows, built when it is
 * committed) gives the run exactly what reading every result back gives: the same metrics, failures, worst images
 * and images/ rows.
 */
class CommittedResultsTest {
  @TempDir
  Path tmp;

  private final Configuration conf = new Configuration();

  private static ClassSpace cityscapes() {
    return new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.TRAIN_ID);
  }

  /** A scored result over the Cityscapes train-id space, with instances. */
  private static ImageResult scored(String id, long seed) {
    ClassSpace space = cityscapes();
    Random r = new Random(seed);
    ConfusionMatrix m = new ConfusionMatrix(space.numClasses(), space.numColumns());
    for (int k = 0; k < 40; k++) {
      m.add(r.nextInt(space.numClasses()), r.nextInt(space.numColumns()), 1 + r.nextInt(5000));
    }
    InstanceStats inst = new InstanceStats(space.numClasses(), space.categories().size());
    for (int k = 0; k < 12; k++) {
      long size = 1 + r.nextInt(40_000);
      inst.addClassInstance(11 + r.nextInt(8), r.nextInt((int) size + 1), size, 3462.4756337644);
      inst.addCategoryInstance(r.nextInt(2) == 0 ? 5 : 6, r.nextInt((int) size + 1), size, 7930.2457);
    }
    SegmentationStats stats = new SegmentationStats(m, inst);
    stats.addIgnoredPixels(r.nextInt(1000));
    return new ImageResult(id, "file:/data/leftImg8bit/" + id + ".png", "file:/data/gtFine/" + id + ".png",
        "s3a://bucket/preds/" + id + ".png", ImageResult.Status.OK, null, 2048, 1024, stats, 0.125 * seed,
        "executor 1 on host (pid 42)", new long[] {7L << 32 | 7, 12});
  }

  private static ImageResult failedResult(String id) {
    return new ImageResult(id, null, "file:/data/gtFine/" + id + ".png", null, ImageResult.Status.FAILED,
        new ImageFailure(ImageFailure.Kind.PREDICTION_VALUE, "file:/p/" + id + ".png: value 300 at (4, 7)"),
        0, 0, null, 0.5, null, new long[] {7L << 32 | 300, 12, 26L << 32 | 26, 99});
  }

  @Test
  void aSummaryReadsBackAsItsChunksShare() throws Exception {
    ClassSpace space = cityscapes();
    List<ImageResult> chunk = List.of(scored("a", 1), failedResult("b"), scored("c", 2));
    byte[] bytes = CommittedResults.summarize(chunk, space, AbsentClassPolicy.EXCLUDE);
    CommittedResults.ChunkSummary back = CommittedResults.decode(bytes, 3, space, "file:/x/chunk");

    CommittedResults.ResultShare want;
    byte[] wantRows;
    try (CommittedResults.ShareBuilder builder = new CommittedResults.ShareBuilder(space, AbsentClassPolicy.EXCLUDE)) {
      for (ImageResult r : chunk) {
        builder.add(r);
      }
      wantRows = builder.finishRows();
      want = builder.share();
    }
    assertEquals(want.aggregate.stats(), back.share().aggregate.stats());
    assertEquals(2, back.share().aggregate.okImages());
    assertEquals(1, back.share().aggregate.failedImages());
    assertEquals(want.aggregate.pixels(), back.share().aggregate.pixels());
    assertEquals(want.aggregate.imageSeconds(), back.share().aggregate.imageSeconds());
    assertEquals(want.aggregate.valuePairs().counts(), back.share().aggregate.valuePairs().counts());
    assertEquals(want.aggregate.failuresByKind(), back.share().aggregate.failuresByKind());
    assertEquals(want.aggregate.exampleByKind(), back.share().aggregate.exampleByKind());
    assertEquals(3, back.share().rows);
    assertEquals(want.worst, back.share().worst);
    assertEquals(List.of("a", "c"), back.share().worst.stream().map(HtmlReports.ImageScore::id).toList());
    assertEquals(want.failures, back.share().failures);
    assertEquals(List.of(new RunInfo.Failure("b", ImageFailure.Kind.PREDICTION_VALUE.label(),
        chunk.get(1).error())), back.share().failures);
    assertArrayEquals(wantRows, back.rows());

    // A summary that does not fit its chunk's header is refused, naming the file.
    IOException e = assertThrows(IOException.class,
        () -> CommittedResults.decode(bytes, 4, space, "file:/x/chunk-7"));
    assertTrue(e.getMessage().contains("chunk-7") && e.getMessage().contains("rerun without --resume"),
        e.getMessage());
    // So is one of a run with other classes.
    ClassSpace voc = new ClassSpace(LabelTable.builtIn("voc2012"), PredictionEncoding.LABEL_ID);
    assertThrows(IOException.class, () -> CommittedResults.decode(bytes, 3, voc, "file:/x/chunk"));
  }

  @Test
  void aChunkKeepsItsSummaryAndItsResults() throws Exception {
    ClassSpace space = cityscapes();
    RunDirectory dir = new RunDirectory(tmp.resolve("out").toUri().toString(), "r");
    List<ImageResult> chunk = List.of(scored("a", 3), failedResult("b"));
    byte[] summary = CommittedResults.summarize(chunk, space, AbsentClassPolicy.EXCLUDE);
    dir.commit(chunk, summary, conf);
    String file = dir.committedFiles(conf).get(0);
    RunDirectory.Chunk section = RunDirectory.open(file, conf);
    assertNotNull(section.summary());
    assertArrayEquals(summary, section.summary());
    assertEquals(List.of(new RunDirectory.Entry("a", true), new RunDirectory.Entry("b", false)), section.entries());
    assertEquals(List.of("a", "b"), RunDirectory.read(file, conf).stream().map(ImageResult::id).toList());
    assertEquals(chunk.get(0).stats(), RunDirectory.read(file, conf).get(0).stats());

    // Damage anywhere in the file is refused as an IOException naming the file.
    Path local = Path.of(java.net.URI.create(file));
    byte[] good = Files.readAllBytes(local);
    Random r = new Random(3);
    for (int trial = 0; trial < 300; trial++) {
      byte[] bad = good.clone();
      bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
      Files.write(local, bad);
      IOException e = assertThrows(IOException.class, () -> {
        RunDirectory.Chunk s = RunDirectory.open(file, conf);
        CommittedResults.decode(s.summary(), s.entries().size(), space, file);
      });
      assertTrue(e.getMessage().startsWith("Cannot read committed results"), e.getMessage());
    }
    // Committed without a summary: none to read.
    RunDirectory other = new RunDirectory(tmp.resolve("out2").toUri().toString(), "r");
    other.commit(chunk, conf);
    assertNull(RunDirectory.open(other.committedFiles(conf).get(0), conf).summary());
  }

  @Test
  void summariesGiveTheRunWhatReadingEveryResultGives() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path data = tmp.resolve("data");
    Fixtures.copyTree(Fixtures.synth(), data);
    // One prediction that cannot be read: a failure in the tables and the report.
    Path bad;
    try (var listing = Files.list(data.resolve("cityscapes-predictions/frankfurt"))) {
      bad = listing.sorted().findFirst().orElseThrow();
    }
    Files.write(bad, new byte[] {1, 2, 3});
    String out = tmp.resolve("out").toUri().toString();
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(),
        "val", new FolderPredictions(data.resolve("cityscapes-predictions").toUri().toString()),
        PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, out, "r", 4, true);
    EvaluateJob.Outcome withSummaries = EvaluateJob.run(spark, spec, System.err);
    List<String> rowsWithSummaries = imageRows(spark, out);
    String reportWith = Files.readString(tmp.resolve("out/report.html"));

    // The same committed results without their summaries (as an earlier version committed them): resuming the run
    // scores nothing and reads every result back.
    RunDirectory dir = new RunDirectory(out, "r");
    List<String> files = dir.committedFiles(conf);
    assertTrue(files.size() > 1, "chunks: " + files);
    for (String f : files) {
      assertNotNull(RunDirectory.open(f, conf).summary(), f);
      List<ImageResult> results = RunDirectory.read(f, conf);
      Path local = Path.of(java.net.URI.create(f));
      String name = local.getFileName().toString();
      Files.delete(local);
      Path plain = tmp.resolve("plain");
      Files.createDirectories(plain);
      RunDirectory scratch = new RunDirectory(plain.toUri().toString(), "r");
      scratch.commit(results, conf);
      String written = scratch.committedFiles(conf).get(0);
      Files.move(Path.of(java.net.URI.create(written)), local.resolveSibling(name));
      assertNull(RunDirectory.open(f, conf).summary(), f);
    }
    EvaluateJob.Outcome readBack = EvaluateJob.run(spark, spec, RunOptions.DEFAULTS.withResume(true), System.err);

    assertEquals(withSummaries.report().meanIou(), readBack.report().meanIou());
    assertEquals(withSummaries.aggregate().stats(), readBack.aggregate().stats());
    assertEquals(1, readBack.run().failedCount());
    assertEquals(withSummaries.run().failures(), readBack.run().failures());
    assertEquals(rowsWithSummaries, imageRows(spark, out));
    assertEquals(withoutTimes(reportWith), withoutTimes(Files.readString(tmp.resolve("out/report.html"))));
  }

  /**
   * Every images/ row of run r, sorted, as text, without the seconds column: the failed image is scored again by
   * the resumed run.
   */
  private static List<String> imageRows(SparkSession spark, String out) {
    return spark.read().parquet(out + "/images/run_id=r").drop("seconds").collectAsList().stream()
        .map(Row::toString).sorted().collect(Collectors.toList());
  }

  /** A report without the lines that hold the run's start time and durations. */
  private static List<String> withoutTimes(String html) {
    List<String> kept = new ArrayList<>();
    for (String line : html.split("\n")) {
      if (!line.matches(".*(\\d\\d:\\d\\d:\\d\\d|seconds|[0-9] s\\b).*")) {
        kept.add(line);
      }
    }
    return kept;
  }
}
