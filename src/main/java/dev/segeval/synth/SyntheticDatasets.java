package dev.segeval.synth;

import dev.segeval.InvalidSettingException;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.imaging.ImageDecoders;
import dev.segeval.imaging.PngEncoder;
import dev.segeval.imaging.RgbImage;
import dev.segeval.labels.Label;
import dev.segeval.labels.LabelTable;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;

/**
 * Writes small datasets in the Cityscapes, ADE20K and VOC layouts, with imperfect predictions, deterministic
 * from a seed. Images follow their labels (class colour, a per-class texture and noise), so a small model can
 * learn them. Layout under the output root:
 * <pre>
 *   cityscapes/{leftImg8bit,gtFine}/&lt;split&gt;/&lt;city&gt;/...     cityscapes-predictions/&lt;city&gt;/&lt;stem&gt;_pred_labelIds.png
 *                                                          cityscapes-predictions-trainid/&lt;city&gt;/&lt;stem&gt;_pred.png
 *   ade20k/ADEChallengeData2016/{images,annotations}/&lt;training|validation&gt;/   ade20k-predictions/&lt;id&gt;.png
 *   voc2012/VOC2012/{JPEGImages,SegmentationClass,ImageSets/Segmentation}   voc2012-predictions/&lt;id&gt;.png
 * </pre>
 */
public final class SyntheticDatasets {
  public static final List<String> DATASETS = List.of("cityscapes", "ade20k", "voc2012");
  static final String[] CITIES = {"frankfurt", "lindau", "munster"};

  /** Generation settings. */
  public record Options(int images, int width, int height, long seed, String split) {
    public Options {
      if (images <= 0) {
        throw new InvalidSettingException("Cannot synthesise " + images + " images: need at least 1");
      }
      if (width < 32 || height < 32 || (long) width * height > 16_000_000L) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot synthesise %dx%d images: width and height must be at least 32 and the area at most 16M",
            width, height));
      }
    }
  }

  private SyntheticDatasets() {
  }

  public static void write(String dataset, String root, Options o, Configuration conf, PrintStream log)
      throws IOException {
    switch (dataset.toLowerCase(Locale.ROOT)) {
      case "cityscapes" -> cityscapes(root, o, conf);
      case "ade20k" -> ade20k(root, o, conf);
      case "voc2012", "voc" -> voc(root, o, conf);
      default -> throw new InvalidSettingException("Cannot synthesise dataset '" + dataset + "': use one of "
          + DATASETS + " or all");
    }
    if (log != null) {
      log.printf(Locale.ROOT, "[segeval] synthesised %d %s images (%dx%d, seed %d) under %s%n", o.images(),
          dataset, o.width(), o.height(), o.seed(), root);
    }
  }

  /**
   * Synthesises the Cityscapes layout under a local folder unless its split is already there (benchmarks reuse
   * their data between runs); returns the folder as a URI.
   */
  public static String ensureCityscapes(java.nio.file.Path dir, Options o, Configuration conf) throws IOException {
    String root = HadoopPaths.qualify(dir.toString());
    if (!java.nio.file.Files.isDirectory(dir.resolve("cityscapes/gtFine/" + o.split()))) {
      cityscapes(root, o, conf);
    }
    return root;
  }

  public static void cityscapes(String root, Options o, Configuration conf) throws IOException {
    LabelTable table = LabelTable.builtIn("cityscapes");
    SplittableRandom rnd = new SplittableRandom(o.seed());
    for (int i = 0; i < o.images(); i++) {
      String city = CITIES[i % CITIES.length];
      String stem = String.format(Locale.ROOT, "%s_%06d_%06d", city, i / CITIES.length, 19 + i);
      Canvas c = Scenes.cityscapes(o.width(), o.height(), rnd.split());
      String base = HadoopPaths.join(root, "cityscapes");
      HadoopPaths.write(HadoopPaths.join(base, "leftImg8bit", o.split(), city, stem + "_leftImg8bit.png"),
          PngEncoder.encodeRgb(c.width, c.height, render(c, table, rnd.split())), conf);
      HadoopPaths.write(HadoopPaths.join(base, "gtFine", o.split(), city, stem + "_gtFine_labelIds.png"),
          PngEncoder.encodeGray8(c.width, c.height, c.labels), conf);
      HadoopPaths.write(HadoopPaths.join(base, "gtFine", o.split(), city, stem + "_gtFine_instanceIds.png"),
          PngEncoder.encodeGray16(c.width, c.height, c.instances), conf);
      int[] pred = corrupt(c, table, rnd.split(), "cityscapes");
      HadoopPaths.write(HadoopPaths.join(root, "cityscapes-predictions", city, stem + "_pred_labelIds.png"),
          PngEncoder.encodeGray8(c.width, c.height, pred), conf);
      int[] trainIds = new int[pred.length];
      int[] lut = new int[256];
      java.util.Arrays.fill(lut, 255);
      for (Label l : table.labels()) {
        if (l.id() >= 0 && !l.ignoreInEval()) {
          lut[l.id()] = l.trainId();
        }
      }
      for (int p = 0; p < pred.length; p++) {
        trainIds[p] = lut[pred[p]];
      }
      HadoopPaths.write(HadoopPaths.join(root, "cityscapes-predictions-trainid", city, stem + "_pred.png"),
          PngEncoder.encodeGray8(c.width, c.height, trainIds), conf);
    }
  }

  public static void ade20k(String root, Options o, Configuration conf) throws IOException {
    LabelTable table = LabelTable.builtIn("ade20k");
    SplittableRandom rnd = new SplittableRandom(o.seed() + 1);
    String split = o.split().startsWith("val") ? "validation" : o.split().startsWith("train") ? "training" : o.split();
    String base = HadoopPaths.join(root, "ade20k", "ADEChallengeData2016");
    for (int i = 0; i < o.images(); i++) {
      String id = String.format(Locale.ROOT, "ADE_%s_%08d", split.equals("training") ? "train" : "val", i + 1);
      Canvas c = Scenes.ade20k(o.width(), o.height(), rnd.split());
      HadoopPaths.write(HadoopPaths.join(base, "images", split, id + ".jpg"),
          ImageDecoders.encodeJpeg(new RgbImage(c.width, c.height, render(c, table, rnd.split())), 0.95f), conf);
      HadoopPaths.write(HadoopPaths.join(base, "annotations", split, id + ".png"),
          PngEncoder.encodeGray8(c.width, c.height, c.labels), conf);
      HadoopPaths.write(HadoopPaths.join(root, "ade20k-predictions", id + ".png"),
          PngEncoder.encodeGray8(c.width, c.height, corrupt(c, table, rnd.split(), "ade20k")), conf);
    }
  }

  public static void voc(String root, Options o, Configuration conf) throws IOException {
    LabelTable table = LabelTable.builtIn("voc2012");
    SplittableRandom rnd = new SplittableRandom(o.seed() + 2);
    String base = HadoopPaths.join(root, "voc2012", "VOC2012");
    int[] palette = vocPalette();
    StringBuilder list = new StringBuilder();
    for (int i = 0; i < o.images(); i++) {
      String id = String.format(Locale.ROOT, "2007_%06d", 33 + i * 7);
      list.append(id).append('\n');
      Canvas c = Scenes.voc(o.width(), o.height(), rnd.split());
      HadoopPaths.write(HadoopPaths.join(base, "JPEGImages", id + ".jpg"),
          ImageDecoders.encodeJpeg(new RgbImage(c.width, c.height, render(c, table, rnd.split())), 0.95f), conf);
      HadoopPaths.write(HadoopPaths.join(base, "SegmentationClass", id + ".png"),
          PngEncoder.encodePalette(c.width, c.height, c.labels, palette), conf);
      HadoopPaths.write(HadoopPaths.join(root, "voc2012-predictions", id + ".png"),
          PngEncoder.encodePalette(c.width, c.height, corrupt(c, table, rnd.split(), "voc2012"), palette), conf);
    }
    HadoopPaths.write(HadoopPaths.join(base, "ImageSets", "Segmentation", o.split() + ".txt"),
        list.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), conf);
  }

  /** The standard 256-entry PASCAL VOC colour map (bit-interleaved index), as in the devkit. */
  public static int[] vocPalette() {
    int[] p = new int[256];
    for (int i = 0; i < 256; i++) {
      int r = 0;
      int g = 0;
      int b = 0;
      int c = i;
      for (int j = 0; j < 8; j++) {
        r |= ((c >> 0) & 1) << (7 - j);
        g |= ((c >> 1) & 1) << (7 - j);
        b |= ((c >> 2) & 1) << (7 - j);
        c >>= 3;
      }
      p[i] = r << 16 | g << 8 | b;
    }
    return p;
  }

  /** Class colour, plus a per-class stripe texture, plus uniform noise. */
  static int[] render(Canvas c, LabelTable table, SplittableRandom rnd) {
    int[] colour = new int[65536];
    for (Label l : table.labels()) {
      if (l.id() >= 0) {
        colour[l.id()] = l.color();
      }
    }
    int[] rgb = new int[c.labels.length];
    for (int y = 0; y < c.height; y++) {
      for (int x = 0; x < c.width; x++) {
        int label = c.labels[y * c.width + x];
        int col = colour[label];
        double fx = 0.15 + (label * 37 % 11) * 0.05;
        double fy = 0.1 + (label * 53 % 7) * 0.06;
        int tex = (int) (18 * Math.sin(x * fx + y * fy));
        int r = clamp(((col >> 16) & 255) + tex + rnd.nextInt(-14, 15));
        int g = clamp(((col >> 8) & 255) + tex + rnd.nextInt(-14, 15));
        int b = clamp((col & 255) - tex + rnd.nextInt(-14, 15));
        rgb[y * c.width + x] = r << 16 | g << 8 | b;
      }
    }
    return rgb;
  }

  private static int clamp(int v) {
    return v < 0 ? 0 : Math.min(255, v);
  }

  /** A synthetic Cityscapes ground truth held in memory: label ids and 16-bit instance ids, row-major. */
  public record Scene(int width, int height, int[] labels, int[] instances) {
  }

  /** The scene {@link #cityscapes} would draw from this generator, without writing anything. */
  public static Scene cityscapesScene(int width, int height, SplittableRandom rnd) {
    Canvas c = Scenes.cityscapes(width, height, rnd);
    return new Scene(c.width, c.height, c.labels, c.instances);
  }

  /** The leftImg8bit photo of a scene as {@link #cityscapes} renders it: packed 0xRRGGBB, row-major. */
  public static int[] cityscapesPhoto(Scene scene, SplittableRandom rnd) {
    return render(labelsCanvas(scene), LabelTable.builtIn("cityscapes"), rnd);
  }

  /** An imperfect Cityscapes prediction of a scene from the same error model as the written datasets. */
  public static int[] cityscapesPrediction(Scene scene, SplittableRandom rnd) {
    return corrupt(labelsCanvas(scene), LabelTable.builtIn("cityscapes"), rnd, "cityscapes");
  }

  /** A canvas holding a copy of the scene's label ids (the renderers draw on it, so the scene stays as it is). */
  private static Canvas labelsCanvas(Scene scene) {
    Canvas c = new Canvas(scene.width(), scene.height(), 0);
    System.arraycopy(scene.labels(), 0, c.labels, 0, c.labels.length);
    return c;
  }

  /**
   * An imperfect prediction in label ids: the ground truth shifted by a few pixels (boundary errors), a few
   * blobs of wrong classes, and plausible outputs where the ground truth is ignored.
   */
  static int[] corrupt(Canvas c, LabelTable table, SplittableRandom rnd, String dataset) {
    int w = c.width;
    int h = c.height;
    int dx = rnd.nextInt(-3, 4);
    int dy = rnd.nextInt(-2, 3);
    List<Integer> evaluatedIds = new ArrayList<>();
    boolean[] ignored = new boolean[65536];
    for (Label l : table.labels()) {
      if (l.id() >= 0) {
        if (l.ignoreInEval()) {
          ignored[l.id()] = true;
        } else {
          evaluatedIds.add(l.id());
        }
      }
    }
    int fallback = switch (dataset) {
      case "cityscapes" -> 7;
      case "ade20k" -> 1;
      default -> 0;
    };
    int[] pred = new int[w * h];
    for (int y = 0; y < h; y++) {
      int sy = Math.min(h - 1, Math.max(0, y + dy));
      for (int x = 0; x < w; x++) {
        int sx = Math.min(w - 1, Math.max(0, x + dx));
        int v = c.labels[sy * w + sx];
        if (ignored[v]) {
          // Models rarely output ignored labels; Cityscapes' unlabeled (0) is kept now and then, which the
          // official format allows and scores as a miss.
          v = dataset.equals("cityscapes") && v == 0 ? 0 : fallback;
        }
        pred[y * w + x] = v;
      }
    }
    Canvas blobs = new Canvas(w, h, -1);
    int n = 1 + rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      int label = evaluatedIds.get(rnd.nextInt(evaluatedIds.size()));
      blobs.ellipse(rnd.nextInt(w), rnd.nextInt(h), w * (0.02 + 0.06 * rnd.nextDouble()),
          h * (0.02 + 0.06 * rnd.nextDouble()), label, 0);
    }
    if (dataset.equals("cityscapes") && rnd.nextBoolean()) {
      // Part of a car predicted as caravan: a miss for "car" but a hit for the "vehicle" category iIoU.
      for (int i = 0; i < c.labels.length; i++) {
        if (c.labels[i] == 26 && (i / w) % 5 == 0 && pred[i] == 26) {
          pred[i] = 29;
        }
      }
    }
    for (int i = 0; i < pred.length; i++) {
      if (blobs.labels[i] >= 0) {
        pred[i] = blobs.labels[i];
      }
    }
    return pred;
  }
}
