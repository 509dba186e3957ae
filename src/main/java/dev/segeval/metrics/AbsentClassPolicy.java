package dev.segeval.metrics;

import dev.segeval.InvalidSettingException;
import java.util.Locale;

/** What to do with classes that occur neither in the ground truth nor in the prediction. */
public enum AbsentClassPolicy {
  /**
   * Their IoU is undefined (NaN) and they are left out of the means: cityscapesScripts, mmsegmentation.
   * A class absent from the ground truth but predicted has IoU 0 and counts; its accuracy is NaN.
   */
  EXCLUDE("exclude"),
  /**
   * The official PSPNet code (hszhao/semseg {@code tool/test.py}): IoU = I / (U + 1e-10) and
   * accuracy = I / (T + 1e-10), so an absent class scores 0 and the means run over every class.
   */
  COUNT_AS_ZERO("zero");

  private final String cliName;

  AbsentClassPolicy(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  public static AbsentClassPolicy parse(String text) {
    for (AbsentClassPolicy p : values()) {
      if (p.cliName.equalsIgnoreCase(text) || p.name().equalsIgnoreCase(text)) {
        return p;
      }
    }
    throw new InvalidSettingException(String.format(Locale.ROOT,
        "Cannot use absent-class policy '%s': expected 'exclude' (Cityscapes scripts, mmsegmentation) "
            + "or 'zero' (official PSPNet code)", text));
  }
}
