package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.datasets.PredictionIndex;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.ImageFailure;
import dev.segeval.scoring.RunPlanner;
import dev.segeval.scoring.ScoringTask;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan made in a Spark task holds the same tasks and the same fingerprint digests as the single-threaded
 * planner, cut into the partitions asked for, with missing and ambiguous predictions and exact or prefix matching;
 * listing failures come back to the driver with their type and message, and duplicates and empty inputs are named
 * as the planner names them.
 */
class DistributedPlanTest {
  @TempDir
  Path tmp;

  private EvaluationSpec spec(String dataset, String dataRoot, String predictions, boolean instances) {
    return new EvaluationSpec(dataset, null, dataRoot, "val", new FolderPredictions(predictions),
        PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, tmp.resolve("out").toUri().toString(), "r", 0,
        instances);
  }

  private static DistributedPlan.Plan build(EvaluationSpec spec, int partitions) throws Exception {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    Broadcast<byte[]> conf = jsc.broadcast(SerializableConfiguration.bytes(jsc.hadoopConfiguration()));
    return DistributedPlan.build(jsc, spec, conf, List.of(), images -> partitions);
  }

  private static List<ScoringTask> tasks(DistributedPlan.Plan plan) {
    List<ScoringTask> out = new ArrayList<>();
    for (DistributedPlan.PlanPart part : DistributedPlan.parts(plan)) {
      for (DistributedPlan.PlannedImage image : part.images) {
        out.add(image.task);
      }
    }
    return out;
  }

  private void assertSamePlan(EvaluationSpec spec, int partitions) throws Exception {
    RunPlanner.RunPlan want = RunPlanner.plan(spec, new Configuration());
    DistributedPlan.Plan got = build(spec, partitions);
    try {
      assertEquals(want.tasks(), tasks(got));
      assertEquals(want.tasks().size(), got.images());
      assertEquals(want.listingDigest(), got.listingDigest());
      assertEquals(want.predictionsDigest(), got.predictionsDigest());
      assertEquals(Math.min(partitions, Math.max(1, partitions)), got.checks().length);
      assertEquals(0, got.resumed());
    } finally {
      got.release();
    }
  }

  @Test
  void cityscapesPlanMatchesTheSingleThreadedPlanWithMissingAndAmbiguousPredictions() throws Exception {
    Configuration conf = new Configuration();
    String root = synthesised(12);
    Path predictions = Path.of(java.net.URI.create(HadoopPaths.join(root, "cityscapes-predictions")));
    List<Path> files;
    try (Stream<Path> walk = Files.walk(predictions)) {
      files = walk.filter(p -> p.toString().endsWith(".png")).sorted().toList();
    }
    // One image loses its prediction, another gets a second file that matches its id, a third one that matches
    // by prefix only (fnmatch's '*' takes any rest), and a file that matches no image at all.
    Files.delete(files.get(0));
    String second = files.get(1).getFileName().toString();
    Files.copy(files.get(1), files.get(1).resolveSibling(second.replace("_pred_labelIds", "_copy")));
    String third = files.get(2).getFileName().toString();
    Files.copy(files.get(2), files.get(2).resolveSibling(third.replace("_pred_labelIds", "9_pred")));
    Files.copy(files.get(3), predictions.resolve("nobody_000000_000000_pred.png"));
    EvaluationSpec spec = spec("cityscapes", HadoopPaths.join(root, "cityscapes"), predictions.toUri().toString(),
        true);
    for (int partitions : new int[] {1, 3, 7}) {
      assertSamePlan(spec, partitions);
    }
    assertSamePlan(spec("cityscapes", HadoopPaths.join(root, "cityscapes"), predictions.toUri().toString(), false),
        2);
    List<ScoringTask> tasks = tasks(build(spec, 2));
    assertEquals(ImageFailure.Kind.MISSING_PREDICTION, tasks.get(0).unresolved().kind());
    assertEquals(ImageFailure.Kind.AMBIGUOUS_PREDICTION, tasks.get(1).unresolved().kind());
    assertEquals(ImageFailure.Kind.AMBIGUOUS_PREDICTION, tasks.get(2).unresolved().kind());
    assertEquals(9, tasks.stream().filter(t -> t.unresolved() == null).count());
  }

  @Test
  void exactMatchingDatasetsPlanAsTheSingleThreadedPlanner() throws Exception {
    Configuration conf = new Configuration();
    String root = tmp.resolve("exact").toUri().toString();
    SyntheticDatasets.ade20k(root, new SyntheticDatasets.Options(9, 48, 32, 5, "val"), conf);
    SyntheticDatasets.voc(root, new SyntheticDatasets.Options(7, 48, 32, 5, "val"), conf);
    assertSamePlan(spec("ade20k", HadoopPaths.join(root, "ade20k"), HadoopPaths.join(root, "ade20k-predictions"),
        false), 4);
    assertSamePlan(spec("voc2012", HadoopPaths.join(root, "voc2012"), HadoopPaths.join(root, "voc2012-predictions"),
        false), 2);
  }

  @Test
  void aChangedPredictionChangesThePredictionsDigestOnly() throws Exception {
    Configuration conf = new Configuration();
    String root = synthesised(4);
    EvaluationSpec spec = spec("cityscapes", HadoopPaths.join(root, "cityscapes"),
        HadoopPaths.join(root, "cityscapes-predictions"), true);
    DistributedPlan.Plan before = build(spec, 2);
    before.release();
    Path predictions = Path.of(java.net.URI.create(HadoopPaths.join(root, "cityscapes-predictions")));
    Path one = firstFile(predictions, ".png");
    Files.write(one, Files.readAllBytes(one), java.nio.file.StandardOpenOption.APPEND); // longer: another stamp
    DistributedPlan.Plan after = build(spec, 2);
    after.release();
    assertEquals(before.listingDigest(), after.listingDigest());
    assertNotEquals(before.predictionsDigest(), after.predictionsDigest());
  }

  @Test
  void failuresAndEmptyInputsAreNamedAsTheSingleThreadedPlannerNamesThem() throws Exception {
    Configuration conf = new Configuration();
    String root = synthesised(3);
    String data = HadoopPaths.join(root, "cityscapes");
    // A scheme without a file system: the listing's IOException comes back with its own type and message.
    String unlistable = "nosuchfs://bucket/predictions";
    Exception direct = assertThrows(java.io.IOException.class, () -> PredictionIndex.build(unlistable, conf));
    Exception planned = assertThrows(java.io.IOException.class, () -> build(spec("cityscapes", data, unlistable,
        true), 2));
    assertEquals(direct.getClass(), planned.getClass());
    assertEquals(direct.getMessage(), planned.getMessage());
    // A folder without PNGs, an empty split (reported before the failing prediction listing).
    String missing = tmp.resolve("no-such-predictions").toUri().toString();
    EvaluationException none = assertThrows(EvaluationException.class, () -> build(spec("cityscapes", data, missing,
        true), 2));
    assertEquals(assertThrows(EvaluationException.class, () -> RunPlanner.plan(spec("cityscapes", data, missing,
        true), conf)).getMessage(), none.getMessage());
    Path empty = Files.createDirectories(tmp.resolve("empty/cityscapes/gtFine/val"));
    EvaluationSpec emptySpec = spec("cityscapes", empty.getParent().getParent().toUri().toString(), unlistable, true);
    EvaluationException e = assertThrows(EvaluationException.class, () -> build(emptySpec, 2));
    assertTrue(e.getMessage().contains("no images in split 'val'"), e.getMessage());

    // Two label files of one id (one image copied into a second city): named with both files.
    Path city = Path.of(java.net.URI.create(HadoopPaths.join(data, "gtFine/val")));
    Path label = firstFile(city, "_labelIds.png");
    Path copy = Files.createDirectories(city.resolve("zz-elsewhere")).resolve(label.getFileName());
    Files.copy(label, copy);
    EvaluationException dup = assertThrows(EvaluationException.class, () -> build(spec("cityscapes", data,
        HadoopPaths.join(root, "cityscapes-predictions"), true), 3));
    String id = label.getFileName().toString().replace("_gtFine_labelIds.png", "");
    assertTrue(dup.getMessage().contains("two images have the id '" + id + "'"), dup.getMessage());
    assertTrue(dup.getMessage().contains(label.getParent().getFileName() + "/" + label.getFileName())
        && dup.getMessage().contains("zz-elsewhere/" + label.getFileName()), dup.getMessage());
  }

  @Test
  void theListingStartedEarlyInThisJvmIsTakenByThePlanningTask() throws Exception {
    Configuration conf = new Configuration();
    String root = synthesised(5);
    EvaluationSpec spec = spec("cityscapes", HadoopPaths.join(root, "cityscapes"),
        HadoopPaths.join(root, "cityscapes-predictions"), true);
    RunPlanner.EarlyPlan early = RunPlanner.EarlyPlan.start(spec, conf);
    RunPlanner.RunPlan want = early.await(spec);
    // The files change after the early listing: the plan is the early one, so the task did not list again.
    Path label = firstFile(Path.of(java.net.URI.create(HadoopPaths.join(root, "cityscapes/gtFine"))),
        "_labelIds.png");
    Files.delete(label);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    Broadcast<byte[]> bc = jsc.broadcast(SerializableConfiguration.bytes(jsc.hadoopConfiguration()));
    DistributedPlan.Plan got = DistributedPlan.build(jsc, spec, bc, List.of(), images -> 2, early);
    try {
      assertEquals(want.tasks(), tasks(got));
      assertEquals(want.listingDigest(), got.listingDigest());
    } finally {
      got.release();
    }
    DistributedPlan.Plan relisted = build(spec, 2);
    relisted.release();
    assertEquals(4, relisted.images());
  }

  /** A synthetic Cityscapes val split of {@code images} 64x32 images with predictions; its root. */
  private String synthesised(int images) throws java.io.IOException {
    return SyntheticDatasets.ensureCityscapes(tmp.resolve("data"), new SyntheticDatasets.Options(images, 64, 32, 3,
        "val"), new Configuration());
  }

  /** The first file, in path order, under a folder whose name ends with the suffix. */
  private static Path firstFile(Path folder, String suffix) throws java.io.IOException {
    try (Stream<Path> walk = Files.walk(folder)) {
      return walk.filter(p -> p.toString().endsWith(suffix)).sorted().findFirst().orElseThrow();
    }
  }
}
