package dev.segeval.datasets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Every prediction PNG under a folder (recursively), sorted by file name so that the files matching a sample
 * are found by binary search: a prefix match for Cityscapes, an exact name otherwise. Built once on the driver.
 */
public final class PredictionIndex {
  private final String root;
  private final List<String> names = new ArrayList<>();
  private final List<String> paths = new ArrayList<>();
  private final java.util.Map<String, String> stamps = new java.util.HashMap<>();

  private PredictionIndex(String root) {
    this.root = root;
  }

  public static PredictionIndex build(String root, Configuration conf) throws IOException {
    PredictionIndex index = new PredictionIndex(root);
    List<String[]> entries = new ArrayList<>();
    for (ListedFile f : HadoopPaths.listFilesRecursive(root, conf)) {
      String name = f.name();
      if (name.endsWith(".png")) {
        entries.add(new String[] {name, f.path()});
        index.stamps.put(f.path(), f.length() + "@" + f.modificationTime());
      }
    }
    entries.sort((a, b) -> a[0].compareTo(b[0]) != 0 ? a[0].compareTo(b[0]) : a[1].compareTo(b[1]));
    for (String[] e : entries) {
      index.names.add(e[0]);
      index.paths.add(e[1]);
    }
    return index;
  }

  /** "length@modification time" of an indexed file: what tells a file rewritten in place from the original. */
  public String stamp(String path) {
    return stamps.get(path);
  }

  public int size() {
    return names.size();
  }

  /** All prediction files that match the sample, in name order. */
  public List<String> matches(String sampleId, PredictionMatcher matcher) {
    int i = Collections.binarySearch(names, sampleId);
    int start = i >= 0 ? i : -i - 1;
    while (start > 0 && names.get(start - 1).startsWith(sampleId)) {
      start--;
    }
    List<String> out = new ArrayList<>();
    for (int k = start; k < names.size() && names.get(k).startsWith(sampleId); k++) {
      if (matcher.matches(sampleId, names.get(k))) {
        out.add(paths.get(k));
      }
    }
    return out;
  }

  /** No prediction, or more than one, matches a sample. */
  public static final class UnresolvedPredictionException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean ambiguous;

    UnresolvedPredictionException(boolean ambiguous, String message) {
      super(message);
      this.ambiguous = ambiguous;
    }

    /** True when several files match, false when none does. */
    public boolean ambiguous() {
      return ambiguous;
    }
  }

  /**
   * The single prediction of a sample.
   *
   * @throws UnresolvedPredictionException naming the sample and the folder when there is none or more than one
   */
  public String resolve(String sampleId, PredictionMatcher matcher) throws UnresolvedPredictionException {
    List<String> m = matches(sampleId, matcher);
    if (m.isEmpty()) {
      String pattern = matcher == PredictionMatcher.PREFIX ? sampleId + "*.png" : sampleId + ".png";
      throw new UnresolvedPredictionException(false, "no prediction matching " + pattern + " under " + root);
    }
    if (m.size() > 1) {
      throw new UnresolvedPredictionException(true, "ambiguous prediction: " + m.size() + " files match " + sampleId + ": "
          + String.join(", ", m.subList(0, Math.min(3, m.size()))) + (m.size() > 3 ? ", ..." : ""));
    }
    return m.get(0);
  }
}
