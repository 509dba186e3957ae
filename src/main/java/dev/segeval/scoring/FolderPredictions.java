package dev.segeval.scoring;

import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.PngDecoder;
import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/** Predictions stored as single-channel PNGs (greyscale or palette, read by value / index) under a folder. */
public final class FolderPredictions implements PredictionSource {
  private static final long serialVersionUID = 1L;

  private final String root;

  public FolderPredictions(String root) {
    this.root = root;
  }

  public String root() {
    return root;
  }

  @Override
  public String describe() {
    return root;
  }

  @Override
  public Reader open(Configuration conf, TaskResources resources) {
    return open(conf, resources, FileSource.of(conf));
  }

  @Override
  public java.util.List<String> filesRead(ScoringTask task) {
    return task.unresolved() != null || task.predictionPath() == null ? java.util.List.of()
        : java.util.List.of(task.predictionPath());
  }

  @Override
  public Reader open(Configuration conf, TaskResources resources, FileSource files) {
    char[][] buffer = new char[1][];
    return (task, width, height) -> {
      if (task.unresolved() != null) {
        throw new PredictionException(task.unresolved().kind(), task.unresolved().message());
      }
      String path = task.predictionPath();
      IndexImage img = PngDecoder.decodeIndexInto(files.read(path), path, buffer[0]);
      buffer[0] = img.values();
      if (img.width() != width || img.height() != height) {
        throw new PredictionException(ImageFailure.Kind.SIZE_MISMATCH, String.format(Locale.ROOT,
            "%s: prediction is %dx%d but the ground truth is %dx%d", path, img.width(), img.height(), width,
            height));
      }
      return img.values();
    };
  }
}
