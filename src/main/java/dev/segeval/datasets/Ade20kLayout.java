package dev.segeval.datasets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * ADE20K SceneParsing: {@code ADEChallengeData2016/annotations/<training|validation>/<id>.png} with
 * {@code images/<training|validation>/<id>.jpg}. The root may be the ADEChallengeData2016 folder or its parent;
 * splits {@code train}/{@code val} are accepted as aliases.
 */
public final class Ade20kLayout implements DatasetLayout {
  static final String DATA_DIR = "ADEChallengeData2016";

  @Override
  public String name() {
    return "ade20k";
  }

  static String splitDir(String split) {
    return switch (split.toLowerCase(Locale.ROOT)) {
      case "val", "validation" -> "validation";
      case "train", "training" -> "training";
      default -> split;
    };
  }

  private static String dataRoot(String root, Configuration conf) throws IOException {
    String nested = HadoopPaths.join(root, DATA_DIR);
    return HadoopPaths.isDirectory(nested, conf) ? nested : root;
  }

  @Override
  public String describeLayout(String root, String split) {
    return HadoopPaths.join(root, "[" + DATA_DIR + "]", "annotations", splitDir(split), "<id>.png");
  }

  @Override
  public List<Sample> list(String root, String split, Configuration conf) throws IOException {
    String base = dataRoot(root, conf);
    String dir = splitDir(split);
    List<Sample> samples = new ArrayList<>();
    for (ListedFile f : HadoopPaths.listFilesRecursive(HadoopPaths.join(base, "annotations", dir), conf, false)) {
      String name = f.name();
      if (!name.endsWith(".png")) {
        continue;
      }
      String id = name.substring(0, name.length() - 4);
      samples.add(new Sample(id, HadoopPaths.join(base, "images", dir, id + ".jpg"), f.path(), null));
    }
    samples.sort((a, b) -> a.id().compareTo(b.id()));
    return samples;
  }

  @Override
  public PredictionMatcher predictionMatcher() {
    return PredictionMatcher.EXACT;
  }
}
