package dev.segeval;

/**
 * A bad option, configuration value or user-supplied table: the message names the option, key or file and says
 * what is expected. The command line turns exactly this type (and {@link dev.segeval.scoring.EvaluationException})
 * into exit code 2 with one line; any other {@link IllegalArgumentException} is a bug and fails with its stack
 * trace.
 */
public class InvalidSettingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidSettingException(String message) {
    super(message);
  }

  public InvalidSettingException(String message, Throwable cause) {
    super(message, cause);
  }
}
