package dev.segeval.datasets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * A custom dataset: {@code labels/<split>/<id>.png} with {@code images/<split>/<id>.<jpg|png>}; the classes come
 * from a labels CSV given with {@code --labels}. Label files drive the listing.
 */
public final class FolderPairsLayout implements DatasetLayout {

  @Override
  public String name() {
    return "folder";
  }

  @Override
  public String describeLayout(String root, String split) {
    return HadoopPaths.join(root, "labels", split, "<id>.png") + " with " + HadoopPaths.join(root, "images", split,
        "<id>.jpg|png");
  }

  @Override
  public List<Sample> list(String root, String split, Configuration conf) throws IOException {
    Map<String, String> images = new HashMap<>();
    for (ListedFile f : HadoopPaths.listFilesRecursive(HadoopPaths.join(root, "images", split), conf, false)) {
      String name = f.name();
      int dot = name.lastIndexOf('.');
      if (dot > 0) {
        images.put(name.substring(0, dot), f.path());
      }
    }
    List<Sample> samples = new ArrayList<>();
    for (ListedFile f : HadoopPaths.listFilesRecursive(HadoopPaths.join(root, "labels", split), conf, false)) {
      String name = f.name();
      if (!name.endsWith(".png")) {
        continue;
      }
      String id = name.substring(0, name.length() - 4);
      String image = images.getOrDefault(id, HadoopPaths.join(root, "images", split, id + ".jpg"));
      samples.add(new Sample(id, image, f.path(), null));
    }
    samples.sort((a, b) -> a.id().compareTo(b.id()));
    return samples;
  }

  @Override
  public PredictionMatcher predictionMatcher() {
    return PredictionMatcher.EXACT;
  }
}
