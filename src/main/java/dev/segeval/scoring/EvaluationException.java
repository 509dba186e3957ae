package dev.segeval.scoring;

/**
 * A run that cannot start or whose input is wrong as a whole: an empty split, no predictions, an output that
 * cannot be written, a model for another dataset, a systematic encoding mistake, a resume under another
 * fingerprint. The message is one line that says what is wrong and what to do; the command line exits with 2.
 */
public class EvaluationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EvaluationException(String message) {
    super(message);
  }

  public EvaluationException(String message, Throwable cause) {
    super(message, cause);
  }
}
