package dev.segeval.datasets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Cityscapes: {@code gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png} (8-bit label ids) with the
 * matching {@code _gtFine_instanceIds.png} (16-bit) and {@code leftImg8bit/<split>/<city>/..._leftImg8bit.png}.
 * The ground-truth files drive the listing, as in cityscapesScripts.
 */
public final class CityscapesLayout implements DatasetLayout {
  static final String LABEL_SUFFIX = "_gtFine_labelIds.png";
  static final String INSTANCE_SUFFIX = "_gtFine_instanceIds.png";
  static final String IMAGE_SUFFIX = "_leftImg8bit.png";

  @Override
  public String name() {
    return "cityscapes";
  }

  @Override
  public String describeLayout(String root, String split) {
    return HadoopPaths.join(root, "gtFine", split, "<city>", "<city>_<seq>_<frame>" + LABEL_SUFFIX);
  }

  @Override
  public List<Sample> list(String root, String split, Configuration conf) throws IOException {
    String gtDir = HadoopPaths.join(root, "gtFine", split);
    List<ListedFile> files = HadoopPaths.listFilesRecursive(gtDir, conf, false);
    List<Sample> samples = new ArrayList<>();
    for (ListedFile f : files) {
      String labelPath = f.path();
      String fileName = f.name();
      if (!fileName.endsWith(LABEL_SUFFIX)) {
        continue;
      }
      String stem = fileName.substring(0, fileName.length() - LABEL_SUFFIX.length());
      String city = f.parentName();
      String instancePath = labelPath.substring(0, labelPath.length() - LABEL_SUFFIX.length()) + INSTANCE_SUFFIX;
      String imagePath = HadoopPaths.join(root, "leftImg8bit", split, city, stem + IMAGE_SUFFIX);
      // A missing instance file is reported when the image is scored, naming the file.
      samples.add(new Sample(stem, imagePath, labelPath, instancePath));
    }
    samples.sort((a, b) -> a.id().compareTo(b.id()));
    return samples;
  }

  @Override
  public PredictionMatcher predictionMatcher() {
    return PredictionMatcher.PREFIX;
  }
}
