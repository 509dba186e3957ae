package dev.segeval.metrics;

/** A label, prediction or instance value that the labels table does not allow. The image cannot be scored. */
public final class InvalidPixelException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidPixelException(String message) {
    super(message);
  }
}
