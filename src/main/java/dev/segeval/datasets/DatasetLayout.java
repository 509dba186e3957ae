package dev.segeval.datasets;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/** Lists the samples of one split of a dataset stored in a standard directory layout under any Hadoop URI. */
public interface DatasetLayout {

  /** Short name used on the command line and in outputs. */
  String name();

  /** A one-line description of the expected directory layout, used in error messages. */
  String describeLayout(String root, String split);

  /**
   * Lists the split's samples, sorted by id. An empty list means the split has no images; the caller turns that
   * into an error that names the layout.
   */
  List<Sample> list(String root, String split, Configuration conf) throws IOException;

  /**
   * How a prediction file is matched to a sample: the predicate over a prediction file's name (not its path).
   * Cityscapes follows the official {@code <city>_<seq>_<frame>*.png} pattern; other layouts use the label's
   * base name.
   */
  PredictionMatcher predictionMatcher();
}
