package dev.segeval.datasets;

import java.io.Serializable;

/** Which prediction file names belong to a sample. */
public enum PredictionMatcher implements Serializable {
  /** cityscapesScripts' {@code fnmatch(filename, "<city>_<seq>_<frame>*.png")}: a prefix match. */
  PREFIX,
  /** The file name is exactly {@code <id>.png}. */
  EXACT;

  public boolean matches(String sampleId, String fileName) {
    if (!fileName.endsWith(".png")) {
      return false;
    }
    return this == PREFIX ? fileName.startsWith(sampleId) : fileName.equals(sampleId + ".png");
  }
}
