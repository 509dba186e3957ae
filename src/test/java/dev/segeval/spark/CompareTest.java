package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.cli.SegEval;
import dev.segeval.compare.Comparison;
import dev.segeval.compare.PairedBootstrap;
import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.imaging.PngEncoder;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.MetricReport;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare}: the bootstrap's identity draw reproduces evaluate's numbers bit for bit, a run compared with
 * itself shows no change, a real drop on one class is flagged with exit code 4, and runs that cannot be compared
 * are refused with exit code 2 naming both.
 */
class CompareTest {
  static final int IMAGES = 40;
  @TempDir
  static Path work;
  static Path data;
  static Path out;
  static EvaluateJob.Outcome baseline;

  @BeforeAll
  static void evaluateBaselineAndDegraded() throws Exception {
    data = work.resolve("data");
    SyntheticDatasets.cityscapes(data.toUri().toString(), new SyntheticDatasets.Options(IMAGES, 256, 128, 21, "val"),
        new Configuration());
    out = work.resolve("out");
    baseline = EvaluateJob.run(SparkTestSession.get(), spec(data.resolve("cityscapes-predictions"), "base"),
        System.err);
    // A degraded model: every car pixel (label id 26) of the predictions becomes road (7).
    Path degraded = work.resolve("degraded");
    Path preds = data.resolve("cityscapes-predictions");
    try (Stream<Path> files = Files.walk(preds)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        IndexImage img = PngDecoder.decodeIndex(Files.readAllBytes(f), f.toString());
        int[] v = img.intValues();
        for (int i = 0; i < v.length; i++) {
          v[i] = v[i] == 26 ? 7 : v[i];
        }
        Path target = degraded.resolve(preds.relativize(f).toString());
        Files.createDirectories(target.getParent());
        Files.write(target, PngEncoder.encodeGray8(img.width(), img.height(), v));
      }
    }
    EvaluateJob.run(SparkTestSession.get(), spec(degraded, "degraded"), System.err);
    EvaluateJob.run(SparkTestSession.get(), spec(preds, "again"), System.err);
  }

  static EvaluationSpec spec(Path preds, String runId) {
    return new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(), "val",
        new FolderPredictions(preds.toUri().toString()), PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE,
        out.toUri().toString(), runId, 3, true);
  }

  /** How a local output folder is named in messages. */
  static String label(Path p) {
    return p.toUri().toString().replace("file:///", "file:/").replaceAll("/$", "");
  }

  static String run(String id) {
    return out + "#" + id;
  }

  static CompareJob.Outcome compare(String current, String base, boolean common) throws Exception {
    return CompareJob.run(SparkTestSession.get(), new CompareJob.CompareSpec(current, base, null, common, 2000, 7,
        0.05, new Comparison.Tolerances(Map.of(), 0.001), Comparison.ClassCorrection.MAX_T, null), System.err);
  }

  @Test
  void theIdentityDrawReproducesEvaluateBitForBit() throws Exception {
    ClassSpace space = new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.LABEL_ID);
    StoredRuns.StoredRun stored = StoredRuns.read(run("base"), new Configuration());
    List<SegmentationStats> images = new ArrayList<>(StoredRuns.images(SparkTestSession.get(), stored, space)
        .scored().values());
    assertEquals(IMAGES, images.size());
    PairedBootstrap bootstrap = new PairedBootstrap(space, AbsentClassPolicy.EXCLUDE, images, images);
    double[][] point = bootstrap.metrics(bootstrap.identity());
    MetricReport r = baseline.report();
    double[] expected = PairedBootstrap.headline(r);
    for (int k = 0; k < expected.length; k++) {
      assertEquals(Double.doubleToLongBits(expected[k]), Double.doubleToLongBits(point[0][k]),
          PairedBootstrap.HEADLINE.get(k));
    }
    int c = space.numClasses();
    for (int k = 0; k < c; k++) {
      assertEquals(Double.doubleToLongBits(r.classes().get(k).iou()), Double.doubleToLongBits(point[0][7 + k]));
      assertEquals(Double.doubleToLongBits(r.classes().get(k).iiou()), Double.doubleToLongBits(point[0][7 + c + k]));
    }
    assertTrue(r.meanInstanceIou() > 0, "the run has instances: " + r.meanInstanceIou());
  }

  @Test
  void aRerunOfTheSameModelShowsNoChange() throws Exception {
    CompareJob.Outcome o = compare(run("again"), run("base"), false);
    assertEquals(IMAGES, o.report().images());
    for (Comparison.MetricComparison m : o.report().metrics()) {
      if (m.verdict() != Comparison.Verdict.UNDEFINED) {
        assertEquals(0.0, m.delta(), m.name());
        assertEquals(0.0, m.low(), m.name());
        assertEquals(0.0, m.high(), m.name());
        assertEquals(Comparison.Verdict.UNCHANGED, m.verdict(), m.name());
      }
    }
    assertEquals(SegEval.EXIT_OK, SegEval.execute("compare", "--run", run("again"), "--baseline", run("base"),
        "--resamples", "500"));
  }

  @Test
  void aRealDropIsARegressionWithExitCodeFour() throws Exception {
    CompareJob.Outcome o = compare(run("degraded"), run("base"), false);
    Map<String, Comparison.MetricComparison> byName = new java.util.HashMap<>();
    o.report().metrics().forEach(m -> byName.put(m.name(), m));
    Comparison.MetricComparison miou = byName.get("mIoU");
    assertEquals(Comparison.Verdict.REGRESSION, miou.verdict(), miou.toString());
    assertTrue(miou.high() < 0 && miou.delta() < -0.001, miou.toString());
    assertEquals(Comparison.Verdict.REGRESSION, byName.get("IoU car").verdict());
    assertEquals(Comparison.Verdict.REGRESSION, byName.get("iIoU car").verdict());
    assertEquals(Comparison.Verdict.UNCHANGED, byName.get("IoU sky").verdict(), "sky is untouched");
    assertTrue(o.report().markdown().contains("Verdict: REGRESSION in mIoU"), o.report().markdown());
    JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("runs/degraded/compare-base.json")));
    assertEquals("regression", json.at("/verdict").asText());
    assertEquals(baseline.report().meanIou(), json.at("/metrics/0/baseline").asDouble(), 0);
    assertEquals(SegEval.EXIT_USAGE + 2, SegEval.execute("compare", "--run", run("degraded"), "--baseline",
        run("base"), "--resamples", "500"), "exit code 4: regression");
  }

  @Test
  void runsThatCannotBeComparedAreRefusedNamingBoth() throws Exception {
    // Another dataset.
    Path voc = work.resolve("voc-out");
    EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("voc2012", null,
        Fixtures.synth().resolve("voc2012").toUri().toString(), "val",
        new FolderPredictions(Fixtures.synth().resolve("voc2012-predictions").toUri().toString()),
        PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, voc.toUri().toString(), "voc", 2, true), System.err);
    EvaluationException e = assertThrows(EvaluationException.class, () -> compare(voc + "#voc", run("base"), false));
    assertEquals("Cannot compare " + label(voc) + "#voc with " + label(out) + "#base: dataset differs (voc2012 against cityscapes); "
        + "compare runs of the same dataset, split, prediction encoding and absent-class policy",
        e.getMessage().replace("file:///", "file:/"));

    // Another prediction encoding.
    EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null,
        data.resolve("cityscapes").toUri().toString(), "val",
        new FolderPredictions(data.resolve("cityscapes-predictions-trainid").toUri().toString()),
        PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE, out.toUri().toString(), "trainid", 3, true),
        System.err);
    e = assertThrows(EvaluationException.class, () -> compare(run("trainid"), run("base"), false));
    assertTrue(e.getMessage().contains("#trainid with ") && e.getMessage().contains("#base: predictionEncoding "
        + "differs (trainId against labelId)"), e.getMessage());

    // Another image set: the same predictions over a copy of the split without one city.
    Path fewer = work.resolve("fewer");
    Fixtures.copyTree(data.resolve("cityscapes"), fewer.resolve("cityscapes"));
    Path city;
    try (Stream<Path> cities = Files.list(fewer.resolve("cityscapes/gtFine/val"))) {
      city = cities.sorted().findFirst().orElseThrow();
    }
    int removed;
    try (Stream<Path> files = Files.list(city)) {
      removed = (int) files.filter(p -> p.toString().endsWith("_labelIds.png")).count();
    }
    try (Stream<Path> files = Files.walk(city)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null,
        fewer.resolve("cityscapes").toUri().toString(), "val",
        new FolderPredictions(data.resolve("cityscapes-predictions").toUri().toString()), PredictionEncoding.LABEL_ID,
        AbsentClassPolicy.EXCLUDE, out.toUri().toString(), "fewer", 3, true), System.err);
    e = assertThrows(EvaluationException.class, () -> compare(run("fewer"), run("base"), false));
    assertTrue(e.getMessage().startsWith("Cannot compare runs over different image sets: "), e.getMessage());
    assertTrue(e.getMessage().contains(String.format("#fewer has %d images", IMAGES - removed))
        && e.getMessage().contains(String.format("#base has %d;", IMAGES))
        && e.getMessage().endsWith("or pass --common-images to compare on the images both hold"), e.getMessage());
    CompareJob.Outcome common = compare(run("fewer"), run("base"), true);
    assertEquals(IMAGES - removed, common.report().images());
    assertTrue(common.report().excluded().get(0).contains(removed + " only in the second"),
        common.report().excluded().toString());

    // A run id that does not exist.
    e = assertThrows(EvaluationException.class, () -> compare(run("nope"), run("base"), false));
    assertTrue(e.getMessage().replace("file:///", "file:/").startsWith("Cannot compare " + out + "#nope with " + out
        + "#base: no finished run 'nope' under " + label(out) + " ("), e.getMessage());
    assertEquals(SegEval.EXIT_USAGE, SegEval.execute("compare", "--run", run("nope"), "--baseline", run("base")));
  }
}
