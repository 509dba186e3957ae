package dev.segeval.datasets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * PASCAL VOC 2012: ids from {@code ImageSets/Segmentation/<split>.txt}, labels
 * {@code SegmentationClass/<id>.png} (palette PNGs, read by index), images {@code JPEGImages/<id>.jpg}.
 * The root may be the VOC2012 folder or a VOCdevkit folder holding it. The split file decides the images;
 * a listed id whose label is missing fails for that image with the path in the message.
 */
public final class VocLayout implements DatasetLayout {

  @Override
  public String name() {
    return "voc2012";
  }

  private static String dataRoot(String root, Configuration conf) throws IOException {
    String nested = HadoopPaths.join(root, "VOC2012");
    return HadoopPaths.isDirectory(nested, conf) ? nested : root;
  }

  @Override
  public String describeLayout(String root, String split) {
    return HadoopPaths.join(root, "[VOC2012]", "ImageSets", "Segmentation", split + ".txt");
  }

  @Override
  public List<Sample> list(String root, String split, Configuration conf) throws IOException {
    String base = dataRoot(root, conf);
    String listFile = HadoopPaths.join(base, "ImageSets", "Segmentation", split + ".txt");
    if (!HadoopPaths.exists(listFile, conf)) {
      return List.of();
    }
    Set<String> ids = new LinkedHashSet<>();
    for (String line : HadoopPaths.readLines(listFile, conf)) {
      String id = line.strip();
      if (!id.isEmpty()) {
        ids.add(id.split("\\s+")[0]);
      }
    }
    List<Sample> samples = new ArrayList<>();
    for (String id : ids) {
      samples.add(new Sample(id, HadoopPaths.join(base, "JPEGImages", id + ".jpg"),
          HadoopPaths.join(base, "SegmentationClass", id + ".png"), null));
    }
    samples.sort((a, b) -> a.id().compareTo(b.id()));
    return samples;
  }

  @Override
  public PredictionMatcher predictionMatcher() {
    return PredictionMatcher.EXACT;
  }
}
