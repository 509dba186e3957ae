package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.cli.SegEval;
import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.imaging.PngEncoder;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.Label;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.ImageResult;
import dev.segeval.scoring.ScoringTask;
import dev.segeval.scoring.SequentialEvaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ground truth that contradicts itself fails its image, naming the file and the first bad pixel, and leaves the
 * other images' metrics as they are alone; predictions in the wrong encoding, or saved as colours, fail the run
 * with one message that names the cause and the fix.
 */
class InputConsistencyTest {
  @TempDir
  Path tmp;

  static IndexImage read(Path p) throws Exception {
    return PngDecoder.decodeIndex(Files.readAllBytes(p), p.toString());
  }

  EvaluationSpec spec(String dataset, Path root, Path preds, PredictionEncoding encoding, String runId) {
    return new EvaluationSpec(dataset, null, root.toUri().toString(), "val", new FolderPredictions(
        preds.toUri().toString()), encoding, AbsentClassPolicy.EXCLUDE, tmp.resolve("out-" + runId).toUri()
        .toString(), runId, 2, true);
  }

  @Test
  void eightBitInstanceMapIsRefusedNamingTheFileAndTheFirstDisagreeingPixel() throws Exception {
    Path data = tmp.resolve("cityscapes");
    Fixtures.copyTree(Fixtures.synth().resolve("cityscapes"), data);
    Path dir = data.resolve("gtFine/val/lindau");
    Path instances = dir.resolve("lindau_000000_000020_gtFine_instanceIds.png");
    IndexImage inst = read(instances);
    IndexImage labels = read(dir.resolve("lindau_000000_000020_gtFine_labelIds.png"));
    // The common conversion mistake: the 16-bit instance map saved with 8 bits, ids taken mod 256.
    int[] mod = inst.intValues();
    int first = -1;
    for (int i = 0; i < mod.length; i++) {
      mod[i] &= 0xFF;
      if (first < 0 && mod[i] != labels.values()[i]) {
        first = i;
      }
    }
    assertTrue(first >= 0, "the fixture has instances of 1000 and above");
    Files.write(instances, PngEncoder.encodeGray8(inst.width(), inst.height(), mod));
    int label = labels.values()[first];
    Path preds = Fixtures.synth().resolve("cityscapes-predictions");
    EvaluateJob.Outcome outcome = EvaluateJob.run(SparkTestSession.get(),
        spec("cityscapes", data, preds, PredictionEncoding.LABEL_ID, "inst8"), System.err);
    assertEquals(1, outcome.run().failedCount());
    var failure = outcome.run().failures().get(0);
    assertEquals("instance-mismatch", failure.kind());
    String labelRange = LabelTable.builtIn("cityscapes").byId(label).hasInstances()
        ? String.format("%d, or %d..%d for an instance of it", label, label * 1000, label * 1000 + 999)
        : String.valueOf(label);
    assertEquals(instances.toUri().toString().replace("file:///", "file:/") + ": instance id value " + mod[first]
        + " at pixel (x=" + first % inst.width() + ", y=" + first / inst.width() + "): disagrees with the label id "
        + label + " of the same pixel (expected " + labelRange + "); an instance map saved with 8 bits (ids taken "
        + "mod 256) looks like this: use the 16-bit instanceIds file (labels: lindau_000000_000020_gtFine_labelIds.png)",
        failure.error().replace("file:///", "file:/"));

    // The other images score exactly as they do without the bad one.
    Configuration conf = new Configuration();
    List<ScoringTask> good = dev.segeval.scoring.RunPlanner.plan(spec("cityscapes", data, preds,
            PredictionEncoding.LABEL_ID, "x"), conf).tasks().stream()
        .filter(t -> !t.sample().id().equals("lindau_000000_000020")).collect(Collectors.toList());
    SequentialEvaluator.Result alone = SequentialEvaluator.evaluate(outcome.space(),
        new FolderPredictions(preds.toUri().toString()), good, conf);
    assertEquals(5, alone.aggregate().okImages());
    assertEquals(alone.aggregate().stats(), outcome.aggregate().stats());
  }

  @Test
  void instanceOnAnotherLabelAndOutOfRangeLabelsFailTheirImage() throws Exception {
    ClassSpace cityscapes = new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.LABEL_ID);
    int w = 8;
    int[] gt = {26, 26, 26, 24, 24, 7, 7, 7};
    int[] inst = {26001, 26001, 26001, 26001, 24000 + 2, 7, 7, 7}; // car instance spills onto a person pixel
    Path g = Files.write(tmp.resolve("g.png"), PngEncoder.encodeGray8(w, 1, gt));
    Path i = Files.write(tmp.resolve("i.png"), PngEncoder.encodeGray16(w, 1, inst));
    Path p = Files.write(tmp.resolve("p.png"), PngEncoder.encodeGray8(w, 1, gt));
    ImageResult r = score(cityscapes, g, i, p);
    assertEquals("instance-mismatch", r.failure().kind().label());
    assertEquals(i.toUri().toString() + ": instance id value 26001 at pixel (x=3, y=0): disagrees with the label "
        + "id 24 of the same pixel (expected 24, or 24000..24999 for an instance of it) (labels: g.png)", r.error());

    // A plain pixel must hold its own label id.
    int[] plain = {26, 26, 26, 24, 24, 7, 8, 7};
    Files.write(i, PngEncoder.encodeGray16(w, 1, plain));
    r = score(cityscapes, g, i, p);
    assertEquals(i.toUri().toString() + ": instance id value 8 at pixel (x=6, y=0): disagrees with the label id 7 "
        + "of the same pixel (expected 7); an instance map saved with 8 bits (ids taken mod 256) looks like this: "
        + "use the 16-bit instanceIds file (labels: g.png)", r.error());

    // VOC: palette indices 0..20 and 255 only; ADE20K: 0..150 only.
    ClassSpace voc = new ClassSpace(LabelTable.builtIn("voc2012"), PredictionEncoding.LABEL_ID);
    Files.write(g, PngEncoder.encodeGray8(w, 1, new int[] {0, 1, 2, 21, 255, 0, 0, 0}));
    Files.write(p, PngEncoder.encodeGray8(w, 1, new int[8]));
    r = score(voc, g, null, p);
    assertEquals("label-value", r.failure().kind().label());
    assertTrue(r.error().startsWith(g.toUri() + ": ground-truth label value 21 at pixel (x=3, y=0): not an id of the "
        + "'voc2012' labels table"), r.error());
    ClassSpace ade = new ClassSpace(LabelTable.builtIn("ade20k"), PredictionEncoding.LABEL_ID);
    Files.write(g, PngEncoder.encodeGray8(w, 1, new int[] {0, 150, 151, 1, 1, 1, 1, 1}));
    r = score(ade, g, null, p);
    assertTrue(r.error().startsWith(g.toUri() + ": ground-truth label value 151 at pixel (x=2, y=0)"), r.error());
  }

  @Test
  void labelIdsCopiedAsTheInstanceMapIsRefused() throws Exception {
    // Consistent pixel by pixel, but an 8-bit map cannot hold instance ids: every car would count as crowd and
    // the image would report no instances (a silently different iIoU).
    ClassSpace cityscapes = new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.LABEL_ID);
    int[] gt = {7, 7, 26, 26, 7, 7, 7, 7};
    Path g = Files.write(tmp.resolve("g.png"), PngEncoder.encodeGray8(4, 2, gt));
    Path i = Files.write(tmp.resolve("i.png"), PngEncoder.encodeGray8(4, 2, gt));
    Path p = Files.write(tmp.resolve("p.png"), PngEncoder.encodeGray8(4, 2, gt));
    ImageResult r = score(cityscapes, g, i, p);
    assertEquals("instance-mismatch", r.failure().kind().label());
    assertEquals(i.toUri() + ": an 8-bit instance map, but the label id 26 (car) at pixel (x=2, y=0) has instances, "
        + "whose ids (labelId*1000+k) need 16 bits: use the 16-bit instanceIds file, not a copy of labelIds or an "
        + "8-bit conversion (labels: g.png)", r.error());
    // The same map in 16 bits is a legal (if unusual) map of crowd regions, and an 8-bit map of an image without
    // any class with instances is accepted.
    Files.write(i, PngEncoder.encodeGray16(4, 2, gt));
    assertEquals(ImageResult.Status.OK, score(cityscapes, g, i, p).status());
    int[] road = {7, 7, 7, 7, 8, 8, 8, 8};
    Files.write(g, PngEncoder.encodeGray8(4, 2, road));
    Files.write(i, PngEncoder.encodeGray8(4, 2, road));
    Files.write(p, PngEncoder.encodeGray8(4, 2, road));
    assertEquals(ImageResult.Status.OK, score(cityscapes, g, i, p).status());
  }

  @Test
  void twoImagesWithOneIdAreRefusedBeforeScoring() throws Exception {
    Files.writeString(tmp.resolve("labels.csv"),
        "name,id,trainId,ignoreInEval\nbackground,0,0,false\nleaf,1,1,false\nunknown,9,255,true\n");
    Files.createDirectories(tmp.resolve("data/labels/val/s1"));
    Files.createDirectories(tmp.resolve("data/labels/val/s2"));
    Files.createDirectories(tmp.resolve("preds"));
    Files.write(tmp.resolve("data/labels/val/s1/a.png"), PngEncoder.encodeGray8(2, 2, new int[] {0, 0, 1, 9}));
    Files.write(tmp.resolve("data/labels/val/s2/a.png"), PngEncoder.encodeGray8(2, 2, new int[] {1, 1, 1, 1}));
    Files.write(tmp.resolve("data/labels/val/b.png"), PngEncoder.encodeGray8(2, 2, new int[] {1, 1, 1, 1}));
    Files.write(tmp.resolve("preds/a.png"), PngEncoder.encodeGray8(2, 2, new int[] {0, 1, 1, 1}));
    Files.write(tmp.resolve("preds/b.png"), PngEncoder.encodeGray8(2, 2, new int[] {1, 1, 1, 0}));
    EvaluationSpec spec = new EvaluationSpec("folder", tmp.resolve("labels.csv").toUri().toString(),
        tmp.resolve("data").toUri().toString(), "val", new FolderPredictions(tmp.resolve("preds").toUri().toString()),
        PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, tmp.resolve("out").toUri().toString(), "dup", 2, true);
    EvaluationException e = assertThrows(EvaluationException.class,
        () -> EvaluateJob.run(SparkTestSession.get(), spec, System.err));
    assertTrue(e.getMessage().startsWith("Cannot evaluate: two images have the id 'a' ("), e.getMessage());
    assertTrue(e.getMessage().contains("labels/val/s1/a.png") && e.getMessage().contains("labels/val/s2/a.png"),
        e.getMessage());
  }

  static ImageResult score(ClassSpace space, Path gt, Path instances, Path pred) throws Exception {
    ScoringTask task = ScoringTask.of(new dev.segeval.datasets.Sample("x", null, gt.toUri().toString(),
        instances == null ? null : instances.toUri().toString()), pred.toUri().toString());
    return SequentialEvaluator.evaluate(space, new FolderPredictions(pred.getParent().toUri().toString()),
        List.of(task), new Configuration()).images().get(0);
  }

  static final Pattern TRAIN_AS_LABEL = Pattern.compile("Cannot score these predictions as labelId: they look like "
      + "train ids 0\\.\\.18 \\(255: no prediction\\) \\(the dense class indices a network outputs\\)\\. Read as "
      + "labelId their mean class recall over sampled pixels is \\d+\\.\\d %, read as trainId \\d+\\.\\d %; "
      + "(\\d) of 6 images failed on values the labelId encoding does not allow\\. Rerun with "
      + "--prediction-encoding trainId\\.");

  @Test
  void trainIdPredictionsScoredAsLabelIdsFailTheRunWithTheFix() throws Exception {
    Path data = Fixtures.synth();
    EvaluationException e = assertThrows(EvaluationException.class, () -> EvaluateJob.run(SparkTestSession.get(),
        spec("cityscapes", data.resolve("cityscapes"), data.resolve("cityscapes-predictions-trainid"),
            PredictionEncoding.LABEL_ID, "t2l"), System.err));
    var m = TRAIN_AS_LABEL.matcher(e.getMessage());
    assertTrue(m.matches(), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("out-t2l/summary.json")));
    // The rows the failed run had staged for images/ are removed with it; no table is left behind.
    try (var left = Files.list(tmp.resolve("out-t2l"))) {
      List<String> names = left.map(p -> p.getFileName().toString()).sorted().toList();
      assertFalse(names.contains("images"), names.toString());
      assertTrue(names.stream().noneMatch(n -> n.startsWith(".staging")), names.toString());
    }
    assertFalse(Files.exists(tmp.resolve("out-t2l/images")));
    // The command line: exit code 2, and never the advice to accept the failures.
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream saved = System.err;
    int code;
    try {
      System.setErr(new java.io.PrintStream(err, true));
      code = SegEval.execute("evaluate", "--dataset", "cityscapes", "--data-root",
          data.resolve("cityscapes").toString(), "--predictions", data.resolve("cityscapes-predictions-trainid")
              .toString(), "--output", tmp.resolve("cli").toString(), "--quiet");
    } finally {
      System.setErr(saved);
    }
    assertEquals(SegEval.EXIT_USAGE, code);
    String text = err.toString();
    assertTrue(text.contains("segeval: Cannot score these predictions as labelId"), text);
    assertFalse(text.contains("--allow-failures"), text);
  }

  @Test
  void labelIdPredictionsScoredAsTrainIdsFailTheRunWithTheFix() throws Exception {
    Path data = Fixtures.synth();
    EvaluationException e = assertThrows(EvaluationException.class, () -> EvaluateJob.run(SparkTestSession.get(),
        spec("cityscapes", data.resolve("cityscapes"), data.resolve("cityscapes-predictions"),
            PredictionEncoding.TRAIN_ID, "l2t"), System.err));
    assertTrue(e.getMessage().startsWith("Cannot score these predictions as trainId: they look like label ids 7..33 "
        + "(the values of the dataset's label files). Read as trainId their mean class recall over sampled pixels is "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("Rerun with --prediction-encoding labelId."), e.getMessage());
  }

  @Test
  void ade20kPredictionsOffByOneFailTheRunWithTheFix() throws Exception {
    Path preds = tmp.resolve("ade-minus-one");
    Files.createDirectories(preds);
    try (Stream<Path> files = Files.list(Fixtures.synth().resolve("ade20k-predictions"))) {
      for (Path f : files.toList()) {
        IndexImage img = read(f);
        int[] v = img.intValues();
        for (int i = 0; i < v.length; i++) {
          v[i] = Math.max(0, v[i] - 1); // 0..149: train ids saved where label ids 1..150 are expected
        }
        Files.write(preds.resolve(f.getFileName()), PngEncoder.encodeGray8(img.width(), img.height(), v));
      }
    }
    EvaluationException e = assertThrows(EvaluationException.class, () -> EvaluateJob.run(SparkTestSession.get(),
        spec("ade20k", Fixtures.synth().resolve("ade20k"), preds, PredictionEncoding.LABEL_ID, "ade"), System.err));
    assertTrue(e.getMessage().startsWith("Cannot score these predictions as labelId: they look like train ids "
        + "0..149 (255: no prediction) (the dense class indices a network outputs). Read as labelId their mean "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("0 of 6 images failed. Rerun with --prediction-encoding trainId."),
        e.getMessage());
  }

  @Test
  void vocPredictionsSavedAsColoursFailTheRunWithTheFix() throws Exception {
    Path preds = tmp.resolve("voc-rgb");
    Files.createDirectories(preds);
    List<Label> labels = LabelTable.builtIn("voc2012").labels();
    try (Stream<Path> files = Files.list(Fixtures.synth().resolve("voc2012-predictions"))) {
      for (Path f : files.toList()) {
        IndexImage img = read(f);
        int[] rgb = new int[img.values().length];
        for (int i = 0; i < rgb.length; i++) {
          int value = img.values()[i];
          rgb[i] = labels.stream().filter(l -> l.id() == value).findFirst().orElseThrow().color();
        }
        Files.write(preds.resolve(f.getFileName()), PngEncoder.encodeRgb(img.width(), img.height(), rgb));
      }
    }
    EvaluationException e = assertThrows(EvaluationException.class, () -> EvaluateJob.run(SparkTestSession.get(),
        spec("voc2012", Fixtures.synth().resolve("voc2012"), preds, PredictionEncoding.LABEL_ID, "voc"), System.err));
    assertTrue(e.getMessage().startsWith("Cannot score: 6 of 6 predictions are colour (multi-channel) PNGs where a "
        + "single-channel map of class values is expected, e.g. "), e.getMessage());
    assertTrue(e.getMessage().endsWith("PNG has 3 channels (RGB); a single-channel (greyscale or palette) label image "
        + "is expected. Save predictions as greyscale or palette PNGs holding the class value of each pixel (for VOC, "
        + "the class index 0..20, as in SegmentationClass/), not as colour visualisations."), e.getMessage());

    // One colour file among good ones is a bad image, named alone; the others are scored.
    Path mixed = tmp.resolve("voc-mixed");
    Fixtures.copyTree(Fixtures.synth().resolve("voc2012-predictions"), mixed);
    Files.copy(preds.resolve("2007_000033.png"), mixed.resolve("2007_000033.png"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    EvaluateJob.Outcome o = EvaluateJob.run(SparkTestSession.get(), spec("voc2012", Fixtures.synth().resolve("voc2012"),
        mixed, PredictionEncoding.LABEL_ID, "voc1"), System.err);
    assertEquals(5, o.run().okCount());
    assertEquals(1, o.run().failedCount());
    assertEquals("multi-channel-prediction", o.run().failures().get(0).kind());
    assertTrue(o.run().failures().get(0).error().endsWith("2007_000033.png: PNG has 3 channels (RGB); a "
        + "single-channel (greyscale or palette) label image is expected"), o.run().failures().get(0).error());
  }

  @Test
  void aPoorModelInTheRightEncodingIsScoredNotBlamedOnTheEncoding() throws Exception {
    // Random label ids: as wrong as predictions get, yet in the right encoding. No systematic error is reported.
    Path preds = tmp.resolve("random");
    SplittableRandom rnd = new SplittableRandom(5);
    int[] ids = LabelTable.builtIn("cityscapes").evaluatedClasses().stream().mapToInt(Label::id).toArray();
    try (Stream<Path> files = Files.walk(Fixtures.synth().resolve("cityscapes-predictions"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        IndexImage img = read(f);
        int[] v = new int[img.values().length];
        for (int i = 0; i < v.length; i++) {
          v[i] = ids[rnd.nextInt(ids.length)];
        }
        Path target = preds.resolve(Fixtures.synth().resolve("cityscapes-predictions").relativize(f).toString());
        Files.createDirectories(target.getParent());
        Files.write(target, PngEncoder.encodeGray8(img.width(), img.height(), v));
      }
    }
    EvaluateJob.Outcome o = EvaluateJob.run(SparkTestSession.get(), spec("cityscapes",
        Fixtures.synth().resolve("cityscapes"), preds, PredictionEncoding.LABEL_ID, "poor"), System.err);
    assertEquals(6, o.run().okCount());
    assertTrue(o.report().meanIou() < 0.1, "random predictions: " + o.report().meanIou());
  }
}
