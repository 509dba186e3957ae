package dev.segeval.inference;

import java.io.IOException;

/**
 * The model file cannot be used: it does not exist, is a directory, is not TorchScript, or returns something
 * other than N x C x H x W logits. A problem of the user's input (the job refuses to start), told apart by type
 * from I/O outages while fetching it.
 */
public final class ModelLoadException extends IOException {
  private static final long serialVersionUID = 1L;

  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
