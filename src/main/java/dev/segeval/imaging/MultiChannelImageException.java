package dev.segeval.imaging;

/**
 * A colour (or grey + alpha) PNG where a single-channel map of class values is expected: typically a
 * prediction saved as a colour visualisation. A type of its own so that a run can tell "every prediction is a
 * colour image" (one systematic mistake) from scattered corrupt files.
 */
public final class MultiChannelImageException extends ImageFormatException {
  private static final long serialVersionUID = 1L;

  private final int channels;

  public MultiChannelImageException(String sourceName, int channels, String detail) {
    super(sourceName, detail);
    this.channels = channels;
  }

  public int channels() {
    return channels;
  }
}
