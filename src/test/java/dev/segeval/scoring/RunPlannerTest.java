package dev.segeval.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.datasets.PredictionIndex;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunPlannerTest {
  @Test
  void normalisingFolderByFolderSpellsWhatNormalisingWholePathsSpells() {
    Map<String, String> folders = new HashMap<>();
    List<String> paths = List.of(
        "file:/data/cityscapes/gtFine/val/lindau/lindau_000000_000019_gtFine_labelIds.png",
        "file:///data/cityscapes//gtFine/val/lindau/lindau_000000_000019_gtFine_labelIds.png",
        "file:/data/cityscapes/gtFine/val/lindau/../lindau/x.png",
        "file:/data root/with space/a-b_c+d.png",
        "file:/data/./x.png",
        "file:/data/..",
        "file:/data/.hidden.png",
        "file:/data/name with space.png",
        "file:/data/per%20cent.png",
        "file:/data/colon:name.png",
        "file:/x.png",
        "s3a://bucket/prefix//ade20k/images/validation/ADE_val_00000001.jpg",
        "s3a://bucket/a.png",
        "hdfs://nn:8020/user/x/gtFine/val/a.png",
        "/plain/local/path/a.png",
        "relative/path/a.png");
    for (int round = 0; round < 2; round++) { // the second round reads the cached folders
      for (String p : paths) {
        assertEquals(HadoopPaths.normalize(p), RunPlanner.normalizedPath(p, folders), p);
      }
    }
  }

  @TempDir
  Path tmp;

  private EvaluationSpec spec(String dataRoot, String predictions) {
    return new EvaluationSpec("cityscapes", null, dataRoot, "val", new FolderPredictions(predictions),
        PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, tmp.resolve("out").toUri().toString(), "r", 0, true);
  }

  @Test
  void predictionsListedBesideTheSplitAreMatchedToEveryImage() throws Exception {
    Configuration conf = new Configuration();
    String root = synthesised(6, conf);
    EvaluationSpec spec = spec(HadoopPaths.join(root, "cityscapes"), HadoopPaths.join(root, "cityscapes-predictions"));
    RunPlanner.RunPlan plan = RunPlanner.plan(spec, conf);
    assertEquals(6, plan.tasks().size());
    for (ScoringTask t : plan.tasks()) {
      assertNull(t.unresolved(), t.sample().id());
      assertTrue(t.predictionPath().endsWith("/" + t.sample().id() + "_pred_labelIds.png"), t.predictionPath());
    }
    RunPlanner.RunPlan again = RunPlanner.plan(spec, conf);
    assertEquals(plan.listingDigest(), again.listingDigest());
    assertEquals(plan.predictionsDigest(), again.predictionsDigest());
    assertFalse(plan.predictionsDigest().equals("none"));
  }

  @Test
  void aFailedPredictionListingKeepsItsTypeAcrossTheListingThread() throws Exception {
    Configuration conf = new Configuration();
    String root = synthesised(2, conf);
    // A scheme without a file system: Hadoop's listing fails with an IOException of its own type.
    String unlistable = "nosuchfs://bucket/predictions";
    Exception direct = assertThrows(java.io.IOException.class, () -> PredictionIndex.build(unlistable, conf));
    Exception planned = assertThrows(java.io.IOException.class,
        () -> RunPlanner.plan(spec(HadoopPaths.join(root, "cityscapes"), unlistable), conf));
    assertEquals(direct.getClass(), planned.getClass());
    assertEquals(direct.getMessage(), planned.getMessage());
    assertTrue(java.util.Arrays.stream(planned.getSuppressed())
        .anyMatch(x -> x instanceof java.util.concurrent.ExecutionException), "the planner's stack rides along");
    // A folder that is not there lists as empty, which the plan reports naming --predictions.
    String missing = tmp.resolve("no-such-predictions").toUri().toString();
    EvaluationException e = assertThrows(EvaluationException.class,
        () -> RunPlanner.plan(spec(HadoopPaths.join(root, "cityscapes"), missing), conf));
    assertTrue(e.getMessage().contains("no .png predictions under") && e.getMessage().contains("--predictions"),
        e.getMessage());
  }

  @Test
  void anEmptySplitIsReportedRatherThanTheMissingPredictions() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("empty/cityscapes/gtFine/val"));
    // The prediction listing fails too (a scheme without a file system): the split's own problem is reported.
    EvaluationException e = assertThrows(EvaluationException.class, () -> RunPlanner.plan(
        spec(data.getParent().getParent().toUri().toString(), "nosuchfs://bucket/predictions"), new Configuration()));
    assertTrue(e.getMessage().contains("no images in split 'val'"), e.getMessage());
  }

  @Test
  void aListingStartedEarlyGivesThePlanAndKeepsFailureTypes() throws Exception {
    Configuration conf = new Configuration();
    String root = synthesised(4, conf);
    EvaluationSpec spec = spec(HadoopPaths.join(root, "cityscapes"), HadoopPaths.join(root, "cityscapes-predictions"));
    RunPlanner.EarlyPlan early = RunPlanner.EarlyPlan.start(spec, conf);
    RunPlanner.RunPlan plan = early.await(spec);
    RunPlanner.RunPlan direct = RunPlanner.plan(spec, conf);
    assertEquals(direct.tasks(), plan.tasks());
    assertEquals(direct.listingDigest(), plan.listingDigest());
    assertEquals(direct.predictionsDigest(), plan.predictionsDigest());
    assertTrue(early.seconds() >= 0, "seconds: " + early.seconds());

    // Taken for another run's spec: a programming error, not a plan of other files.
    EvaluationSpec other = spec(HadoopPaths.join(root, "cityscapes"), tmp.resolve("elsewhere").toUri().toString());
    assertThrows(IllegalArgumentException.class, () -> RunPlanner.EarlyPlan.start(spec, conf).await(other));

    // A failed listing surfaces when the job asks for the plan, as the same type with the same message.
    Path empty = Files.createDirectories(tmp.resolve("empty/cityscapes/gtFine/val"));
    EvaluationSpec bad = spec(empty.getParent().getParent().toUri().toString(),
        HadoopPaths.join(root, "cityscapes-predictions"));
    EvaluationException want = assertThrows(EvaluationException.class, () -> RunPlanner.plan(bad, conf));
    EvaluationException got = assertThrows(EvaluationException.class,
        () -> RunPlanner.EarlyPlan.start(bad, conf).await(bad));
    assertEquals(want.getMessage(), got.getMessage());
  }

  /** A synthetic Cityscapes val split of {@code images} 64x32 images with predictions; its root. */
  private String synthesised(int images, Configuration conf) throws java.io.IOException {
    return SyntheticDatasets.ensureCityscapes(tmp.resolve("data"), new SyntheticDatasets.Options(images, 64, 32, 3,
        "val"), conf);
  }
}
