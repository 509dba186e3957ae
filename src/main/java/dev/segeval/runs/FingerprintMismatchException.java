package dev.segeval.runs;

import dev.segeval.scoring.EvaluationException;

/**
 * {@code --resume} of a run whose stored fingerprint differs from this run's inputs: the message names every field
 * that differs. A type of its own so that callers which may start afresh instead ({@code tables}) need not read
 * the message.
 */
public final class FingerprintMismatchException extends EvaluationException {
  public FingerprintMismatchException(String message) {
    super(message);
  }
}
