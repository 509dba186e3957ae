package dev.segeval.inference;

import dev.segeval.InvalidSettingException;
import java.util.Locale;

/** Horizontal-flip test-time augmentation. */
public enum FlipMode {
  /** No flip. */
  NONE("none"),
  /** softmax(f(x)) and the flipped-back softmax(f(flip x)) averaged: hszhao/semseg tool/test.py (its default). */
  AVERAGE("average"),
  /** Logits of x and of flip(x) (flipped back) summed before one softmax: the original Caffe PSPNet code. */
  CAFFE("caffe");

  private final String cliName;

  FlipMode(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  public static FlipMode parse(String s) {
    for (FlipMode f : values()) {
      if (f.cliName.equalsIgnoreCase(s)) {
        return f;
      }
    }
    if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("on")) {
      return AVERAGE;
    }
    if (s.equalsIgnoreCase("false") || s.equalsIgnoreCase("off")) {
      return NONE;
    }
    throw new InvalidSettingException(String.format(Locale.ROOT,
        "Cannot use --flip '%s': expected none, average (semseg, default) or caffe", s));
  }
}
