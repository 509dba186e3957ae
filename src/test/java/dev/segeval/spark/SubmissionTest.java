package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.imaging.PngEncoder;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.SubmissionFormat;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test-server packages of the three benchmarks built from synthetic test splits, in the layout and value range
 * each server expects, and refused when an image is missing, of another size or holds another value.
 */
class SubmissionTest {
  @TempDir
  Path tmp;

  static IndexImage read(Path p) throws Exception {
    return PngDecoder.decodeIndex(Files.readAllBytes(p), p.toString());
  }

  @Test
  void cityscapesPackageFromAModelAndItsValidation() throws Exception {
    Path data = tmp.resolve("data");
    SyntheticDatasets.cityscapes(data.toUri().toString(), new SyntheticDatasets.Options(4, 128, 64, 5, "test"),
        new Configuration());
    String model = Fixtures.resource("/models/conv19.pt").toUri().toString();
    Path pkg = tmp.resolve("cs-package");
    SubmissionJob.Package p = SubmissionJob.build(SparkTestSession.get(), "cityscapes",
        data.resolve("cityscapes").toString(), "test", new ModelPredictions(new InferenceOptions(model,
            new ProtocolSettings(new double[] {1.0}, FlipMode.NONE, 33, 33, 128, 2.0 / 3, 4), "cpu", 1,
            100_000_000L, null, false)), pkg.toString(), System.err);
    assertEquals(4, p.images());
    Set<String> files;
    try (var list = Files.list(pkg)) {
      files = list.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
    }
    assertEquals(4, files.size());
    assertTrue(files.stream().allMatch(f -> f.matches("[a-z]+_\\d{6}_\\d{6}_leftImg8bit\\.png")), files.toString());
    Set<Integer> labelIds = Set.of(7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33);
    Path one = pkg.resolve(files.iterator().next());
    assertTrue(Arrays.stream(read(one).intValues()).allMatch(labelIds::contains), "label ids, not train ids");

    // A package with a missing image, a wrong size or another value is refused, naming the file.
    SubmissionFormat format = new SubmissionFormat("cityscapes");
    var images = format.testImages(data.resolve("cityscapes").toUri().toString(), "test", new Configuration());
    byte[] good = Files.readAllBytes(one);
    Files.delete(one);
    EvaluationException e = assertThrows(EvaluationException.class,
        () -> format.validate(pkg.toUri().toString(), images, new Configuration()));
    assertTrue(e.getMessage().startsWith("Cannot submit: ") && e.getMessage().contains(one.getFileName() + " is "
        + "missing (test image "), e.getMessage());
    Files.write(one, PngEncoder.encodeGray8(4, 4, new int[16]));
    e = assertThrows(EvaluationException.class, () -> format.validate(pkg.toUri().toString(), images,
        new Configuration()));
    assertTrue(e.getMessage().contains(one.getFileName() + " is 4x4 but its test image is 128x64"), e.getMessage());
    int[] values = new int[128 * 64];
    Arrays.fill(values, 7);
    values[130] = 200;
    Files.write(one, PngEncoder.encodeGray8(128, 64, values));
    e = assertThrows(EvaluationException.class, () -> format.validate(pkg.toUri().toString(), images,
        new Configuration()));
    assertTrue(e.getMessage().contains(one.getFileName() + " holds value 200 at pixel (x=2, y=1); the cityscapes "
        + "server accepts the evaluated label ids"), e.getMessage());
    Files.write(one, good);
    format.validate(pkg.toUri().toString(), images, new Configuration());
  }

  @Test
  void vocAndAde20kPackagesFromPredictionFiles() throws Exception {
    Path data = tmp.resolve("data");
    SyntheticDatasets.voc(data.toUri().toString(), new SyntheticDatasets.Options(3, 96, 64, 5, "test"),
        new Configuration());
    SyntheticDatasets.ade20k(data.toUri().toString(), new SyntheticDatasets.Options(3, 96, 64, 5, "testing"),
        new Configuration());
    Path voc = tmp.resolve("voc-package");
    SubmissionJob.Package v = SubmissionJob.build(SparkTestSession.get(), "voc2012", data.resolve("voc2012")
        .toString(), "test", new FolderPredictions(data.resolve("voc2012-predictions").toUri().toString()),
        voc.toString(), System.err);
    assertEquals(3, v.images());
    Path vocDir = voc.resolve("results/VOC2012/Segmentation/comp6_test_cls");
    try (var list = Files.list(vocDir)) {
      for (Path f : list.toList()) {
        IndexImage img = read(f);
        assertTrue(img.palette(), "VOC results are palette PNGs: " + f);
        assertTrue(Arrays.stream(img.intValues()).allMatch(x -> x >= 0 && x <= 20), f.toString());
      }
    }
    // The same through the command line: exit 0 and a validated package; a prediction file missing: exit 2.
    assertEquals(dev.segeval.cli.SegEval.EXIT_OK, dev.segeval.cli.SegEval.execute("submit", "--dataset", "voc2012",
        "--data-root", data.resolve("voc2012").toString(), "--predictions", data.resolve("voc2012-predictions")
            .toString(), "--output", tmp.resolve("voc-cli").toString()));
    Path someVocPrediction;
    try (var preds = Files.list(data.resolve("voc2012-predictions"))) {
      someVocPrediction = preds.sorted().findFirst().orElseThrow();
    }
    Files.delete(someVocPrediction);
    assertEquals(dev.segeval.cli.SegEval.EXIT_USAGE, dev.segeval.cli.SegEval.execute("submit", "--dataset",
        "voc2012", "--data-root", data.resolve("voc2012").toString(), "--predictions",
        data.resolve("voc2012-predictions").toString(), "--output", tmp.resolve("voc-cli2").toString()));

    Path ade = tmp.resolve("ade-package");
    SubmissionJob.Package a = SubmissionJob.build(SparkTestSession.get(), "ade20k", data.resolve("ade20k")
        .toString(), "test", new FolderPredictions(data.resolve("ade20k-predictions").toUri().toString()),
        ade.toString(), System.err);
    assertEquals(3, a.images());
    try (var list = Files.list(ade)) {
      for (Path f : list.toList()) {
        assertTrue(f.getFileName().toString().matches("ADE_\\w+_\\d{8}\\.png"), f.toString());
        assertTrue(Arrays.stream(read(f).intValues()).allMatch(x -> x >= 1 && x <= 150), f.toString());
      }
    }
  }
}
