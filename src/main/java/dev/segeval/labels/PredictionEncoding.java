package dev.segeval.labels;

import dev.segeval.InvalidSettingException;
import java.util.Locale;

/** How the values of a prediction PNG are to be read. */
public enum PredictionEncoding {
  /**
   * Same value space as the ground-truth label files (Cityscapes' official submission format: label ids;
   * ADE20K: 1..150 with 0 = "other"; VOC: 0..20 with 255 = border).
   */
  LABEL_ID("labelId"),
  /** Dense evaluated-class indices 0..C-1, with 255 meaning "no prediction" (mmsegmentation / PSPNet output). */
  TRAIN_ID("trainId");

  private final String cliName;

  PredictionEncoding(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  public static PredictionEncoding parse(String text) {
    for (PredictionEncoding e : values()) {
      if (e.cliName.equalsIgnoreCase(text) || e.name().equalsIgnoreCase(text)) {
        return e;
      }
    }
    throw new InvalidSettingException(String.format(Locale.ROOT,
        "Cannot use prediction encoding '%s': expected one of labelId, trainId", text));
  }
}
