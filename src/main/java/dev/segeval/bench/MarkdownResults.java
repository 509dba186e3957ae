package dev.segeval.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Where a benchmark's Markdown section goes: always the console, and appended to a results file when one is given,
 * so that benchmark-results/ accumulates runs with their command, machine and date.
 */
public final class MarkdownResults {
  private MarkdownResults() {
  }

  public static void publish(String section, PrintStream console, Path file) throws IOException {
    console.println(section);
    if (file != null) {
      Files.writeString(file, section + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
  }

  /** "amd64, 2 cores, Java 17.0.15": ratios are only comparable between runs on the same kind of machine. */
  static String machine() {
    return String.format(Locale.ROOT, "%s, %d cores, Java %s", System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
  }
}
