package dev.segeval.cli;

import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Range checks that picocli's types cannot express. They throw picocli's ParameterException so that a bad number is
 * reported like a bad option: one line, a pointer to --help, exit code 2.
 */
final class OptionChecks {
  private OptionChecks() {
  }

  static void atLeast(CommandSpec spec, String option, long value, long min) {
    if (value < min) {
      throw new ParameterException(spec.commandLine(), String.format(Locale.ROOT,
          "Invalid value for option '%s': '%d' is less than %d", option, value, min));
    }
  }
}
