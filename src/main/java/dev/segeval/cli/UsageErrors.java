package dev.segeval.cli;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reports a bad command line in one line instead of the full usage help, which would bury the message: what is
 * wrong, the closest option or command when one was mistyped, and which --help lists the valid ones.
 */
final class UsageErrors {
  private UsageErrors() {
  }

  static int report(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    String help = cl.getCommandSpec().qualifiedName() + " --help lists every "
        + (cl.getSubcommands().isEmpty() ? "option" : "command");
    cl.getErr().println("segeval: " + describe(ex) + " (" + help + ")");
    return SegEval.EXIT_USAGE;
  }

  /**
   * Unknown arguments are reported first whatever the exception: picocli checks required options before unknown
   * ones, so a mistyped required option ("evaluate --datset x") would otherwise only be called missing.
   */
  static String describe(ParameterException ex) {
    CommandLine cl = ex.getCommandLine();
    CommandLine.ParseResult parsed = cl.getParseResult();
    List<String> unmatched = parsed == null ? List.of() : parsed.unmatched();
    if (unmatched.isEmpty()) {
      return ex.getMessage();
    }
    if (!cl.getSubcommands().isEmpty() && !unmatched.get(0).startsWith("-")) {
      return withSuggestion("Unknown command: " + quoted(unmatched.subList(0, 1)), closest(cl, unmatched.get(0)));
    }
    List<String> options = unmatched.stream().filter(a -> a.startsWith("-")).toList();
    if (options.isEmpty()) {
      return (unmatched.size() == 1 ? "Unexpected argument: " : "Unexpected arguments: ") + quoted(unmatched);
    }
    String closest = options.stream().map(o -> closest(cl, o)).filter(Objects::nonNull)
        .collect(Collectors.joining(", "));
    return withSuggestion((options.size() == 1 ? "Unknown option: " : "Unknown options: ") + quoted(options),
        closest.isEmpty() ? null : closest);
  }

  private static String withSuggestion(String message, String suggestion) {
    return suggestion == null ? message : message + "; did you mean " + suggestion + "?";
  }

  /** picocli's suggestions (options sharing the first letters, commands by similarity), ranked by edit distance. */
  private static String closest(CommandLine cl, String arg) {
    String typed = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
    return new UnmatchedArgumentException(cl, List.of(typed)).getSuggestions().stream()
        .min(Comparator.comparingInt(candidate -> editDistance(typed, candidate))).orElse(null);
  }

  private static String quoted(List<String> args) {
    return args.stream().map(a -> "'" + a + "'").collect(Collectors.joining(", "));
  }

  /** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
