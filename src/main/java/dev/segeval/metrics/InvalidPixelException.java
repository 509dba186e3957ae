package dev.segeval.metrics;

import java.util.Locale;

/**
 * A label, prediction or instance value that the labels table does not allow, or an instance map that
 * contradicts its label map. The image cannot be scored. {@link #source()} says which of the image's files holds
 * the bad pixel, so that callers name the right file without looking at the message.
 */
public final class InvalidPixelException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The file of an image that holds the offending pixel. */
  public enum Source {
    GROUND_TRUTH, PREDICTION, INSTANCES
  }

  /** What is wrong with the pixel. */
  public enum Problem {
    /** The value is not allowed in its file (not in the labels table, not a 16-bit instance id, ...). */
    VALUE_OUT_OF_RANGE,
    /** The instance id disagrees with the label id of the same pixel. */
    INSTANCE_LABEL_MISMATCH
  }

  private final Source source;
  private final Problem problem;
  private final int value;
  private final int x;
  private final int y;

  public InvalidPixelException(Source source, Problem problem, int value, int x, int y, String what, String why) {
    super(String.format(Locale.ROOT, "%s value %d at pixel (x=%d, y=%d): %s", what, value, x, y, why));
    this.source = source;
    this.problem = problem;
    this.value = value;
    this.x = x;
    this.y = y;
  }

  public Source source() {
    return source;
  }

  public Problem problem() {
    return problem;
  }

  public int value() {
    return value;
  }

  public int x() {
    return x;
  }

  public int y() {
    return y;
  }
}
