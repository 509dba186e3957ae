package dev.segeval.scoring;

import java.io.Serializable;
import java.util.Locale;

/**
 * Why one image could not be scored: a kind, decided from the type of what went wrong (never from message
 * text), and a message that names the file. Only problems of the image's own files become an image failure;
 * anything else (an I/O outage, a bug) fails the task instead, so that it is retried or reported as the run's
 * failure rather than silently leaving an image out.
 *
 * @param kind    what went wrong
 * @param message what went wrong, starting with the file
 */
public record ImageFailure(Kind kind, String message) implements Serializable {

  public enum Kind {
    /** A ground-truth, instance or input image file does not exist. */
    MISSING_FILE,
    /** A file is not a decodable image (corrupt, truncated, unsupported). */
    CORRUPT_FILE,
    /** A colour prediction PNG where a single-channel map of class values is expected. */
    MULTI_CHANNEL_PREDICTION,
    /** A colour ground-truth or instance PNG where a single-channel map is expected. */
    MULTI_CHANNEL_LABELS,
    /** The prediction, instance map or input image differs in size from the ground truth. */
    SIZE_MISMATCH,
    /** No prediction file matches the image. */
    MISSING_PREDICTION,
    /** More than one prediction file matches the image. */
    AMBIGUOUS_PREDICTION,
    /** A prediction value that the prediction encoding does not allow. */
    PREDICTION_VALUE,
    /** A ground-truth value that the labels table does not hold. */
    LABEL_VALUE,
    /** An instance id that is not valid for the labels table. */
    INSTANCE_VALUE,
    /** The instance map contradicts the label map of the same image. */
    INSTANCE_MISMATCH,
    /** The input image exceeds --max-image-pixels. */
    IMAGE_TOO_LARGE;

    /** The name stored in images/ (error_kind) and summary.json: lower case with dashes. */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }
}
