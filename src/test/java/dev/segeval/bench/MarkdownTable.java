package dev.segeval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;

/** Reads the numbers of one row of a benchmark's Markdown table, found by its first cell. */
final class MarkdownTable {
  private MarkdownTable() {
  }

  static double[] row(String markdown, String label, int numbers) {
    for (String line : markdown.split("\n")) {
      if (line.startsWith("| " + label + " |")) {
        String[] cells = line.substring(1, line.length() - 1).split("\\|");
        double[] values = Arrays.stream(cells).skip(1).mapToDouble(c -> Double.parseDouble(c.strip())).toArray();
        assertEquals(numbers, values.length, line);
        return values;
      }
    }
    return fail("no row '" + label + "' in:\n" + markdown);
  }
}
