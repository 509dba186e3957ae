package dev.segeval.scoring;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.datasets.Sample;
import dev.segeval.datasets.VocLayout;
import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.ImageDecoders;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.labels.Label;
import dev.segeval.labels.LabelTable;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import dev.segeval.datasets.ListedFile;

/**
 * What a benchmark's test server expects, per dataset: where each prediction goes in the package, which values it
 * holds, and the check that a package is complete before anyone uploads it.
 *
 * <ul>
 *   <li>Cityscapes: one PNG of label ids per test image whose name starts with {@code <city>_<seq>_<frame>}
 *       (cityscapesScripts, evalPixelLevelSemanticLabeling.py getPrediction, which the benchmark server runs);
 *       written flat as {@code <city>_<seq>_<frame>_leftImg8bit.png}, values the evaluated label ids.</li>
 *   <li>PASCAL VOC 2012: indexed PNGs with the VOC palette under
 *       {@code results/VOC2012/Segmentation/comp6_test_cls/<id>.png} (VOC devkit documentation, "segmentation
 *       results": comp5 = trained on VOC data only, comp6 = any data; PSPNet uses SBD), values 0..20.</li>
 *   <li>ADE20K / Scene Parsing: {@code <id>.png} per test image, values 1..150 (CSAILVision/sceneparsing
 *       README, "Submission format": the mask is named as the test image with .png for .jpg, e.g.
 *       ADE_test_00000001.jpg -> ADE_test_00000001.png, zipped flat; masks hold the labels 1..150 of
 *       objectInfo150, 0 "other objects" is not evaluated and so is not a prediction).</li>
 * </ul>
 */
public final class SubmissionFormat implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String dataset;
  private final int[] valueOfTrainId;
  private final Set<Integer> allowed;

  public SubmissionFormat(String dataset) {
    this.dataset = dataset;
    LabelTable table = LabelTable.builtIn(dataset);
    List<Label> classes = table.evaluatedClasses();
    valueOfTrainId = new int[classes.size()];
    allowed = new HashSet<>();
    for (int c = 0; c < classes.size(); c++) {
      valueOfTrainId[c] = classes.get(c).id();
      allowed.add(valueOfTrainId[c]);
    }
  }

  public String dataset() {
    return dataset;
  }

  /** The value written for a predicted train id. */
  public int value(int trainId) {
    return valueOfTrainId[trainId];
  }

  /** Palette PNGs for VOC; grey for the others. */
  public boolean palette() {
    return dataset.equals("voc2012");
  }

  /** The file of a test image inside the package. */
  public String file(String packageRoot, String id) {
    return switch (dataset) {
      case "cityscapes" -> HadoopPaths.join(packageRoot, id + "_leftImg8bit.png");
      case "voc2012" -> HadoopPaths.join(packageRoot, "results", "VOC2012", "Segmentation", "comp6_test_cls",
          id + ".png");
      default -> HadoopPaths.join(packageRoot, id + ".png");
    };
  }

  /** The test images of a split: images only, since test ground truth is private. */
  public List<Sample> testImages(String root, String split, Configuration conf) throws IOException {
    List<Sample> out = new ArrayList<>();
    switch (dataset) {
      case "cityscapes" -> {
        for (ListedFile f : HadoopPaths.listFilesRecursive(HadoopPaths.join(root, "leftImg8bit", split), conf)) {
          String name = f.name();
          if (name.endsWith("_leftImg8bit.png")) {
            out.add(new Sample(name.substring(0, name.length() - "_leftImg8bit.png".length()),
                f.path(), null, null));
          }
        }
      }
      case "voc2012" -> {
        for (Sample s : new VocLayout().list(root, split, conf)) {
          out.add(new Sample(s.id(), s.imagePath(), null, null));
        }
      }
      default -> {
        String base = HadoopPaths.isDirectory(HadoopPaths.join(root, "ADEChallengeData2016"), conf)
            ? HadoopPaths.join(root, "ADEChallengeData2016") : root;
        String dir = split.startsWith("test") ? "testing" : split;
        List<ListedFile> files = HadoopPaths.listFilesRecursive(HadoopPaths.join(base, "images", dir), conf);
        if (files.isEmpty()) {
          files = HadoopPaths.listFilesRecursive(HadoopPaths.join(root, "release_test", dir), conf);
        }
        for (ListedFile f : files) {
          String name = f.name();
          if (name.endsWith(".jpg")) {
            out.add(new Sample(name.substring(0, name.length() - 4), f.path(), null, null));
          }
        }
      }
    }
    out.sort((a, b) -> a.id().compareTo(b.id()));
    return out;
  }

  /**
   * Checks a written package: every test image has its prediction, once, at the image's size, holding only values
   * the server accepts.
   *
   * @throws dev.segeval.InvalidSettingException naming the first file that is missing, of another size or holds
   *                                             another value
   */
  public void validate(String packageRoot, List<Sample> images, Configuration conf) throws IOException {
    for (Sample s : images) {
      String file = file(packageRoot, s.id());
      if (!HadoopPaths.exists(file, conf)) {
        throw new EvaluationException("Cannot submit: " + HadoopPaths.redact(file) + " is missing (test image "
            + s.id() + ")");
      }
      int[] size = ImageDecoders.readSize(HadoopPaths.readAll(s.imagePath(), conf), s.imagePath());
      IndexImage p = PngDecoder.decodeIndex(HadoopPaths.readAll(file, conf), file);
      if (p.width() != size[0] || p.height() != size[1]) {
        throw new EvaluationException(String.format(Locale.ROOT, "Cannot submit: %s is %dx%d but its test image is "
            + "%dx%d", HadoopPaths.redact(file), p.width(), p.height(), size[0], size[1]));
      }
      char[] v = p.values();
      for (int i = 0; i < v.length; i++) {
        int value = v[i];
        if (!allowed.contains(value)) {
          throw new EvaluationException(String.format(Locale.ROOT, "Cannot submit: %s holds value %d at pixel (x=%d, "
              + "y=%d); the %s server accepts %s", HadoopPaths.redact(file), value, i % p.width(), i / p.width(),
              dataset, describeAllowed()));
        }
      }
    }
  }

  private String describeAllowed() {
    return switch (dataset) {
      case "cityscapes" -> "the evaluated label ids";
      case "voc2012" -> "class indices 0..20";
      default -> "class indices 1..150";
    };
  }
}
