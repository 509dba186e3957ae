package dev.segeval.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The help a new user reads first: wrapped at 80 columns, and every option says what it takes and its default. */
class HelpTextTest {
  private static final String[][] COMMANDS = {{}, {"evaluate"}, {"compare"}, {"nightly"}, {"promote"}, {"tables"},
      {"submit"}, {"synth"}, {"bench-evaluate"}, {"bench-inference"}, {"bench-compare"}};

  @Test
  void helpFitsEightyColumnsWithoutShellLineContinuations() {
    for (String[] command : COMMANDS) {
      StringWriter out = new StringWriter();
      String[] args = new String[command.length + 1];
      System.arraycopy(command, 0, args, 0, command.length);
      args[command.length] = "--help";
      assertEquals(SegEval.EXIT_OK, SegEval.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter()),
          args));
      assertTrue(out.toString().startsWith("Usage: segeval"), out.toString());
      for (String line : out.toString().lines().toList()) {
        assertTrue(line.length() <= 80, "longer than 80 columns: " + line);
        // A shell continuation may end an example line that holds a command; anywhere else it is stray.
        String body = line.endsWith(" \\") ? line.substring(0, line.length() - 2) : line;
        assertFalse(body.contains("\\"), "stray backslash: " + line);
        assertFalse(line.endsWith("\\") && line.strip().length() < 3, "continuation alone on a line: " + line);
      }
    }
  }

  @Test
  void benchAndSynthOptionsHaveLabelsDescriptionsAndDefaults() {
    CommandLine root = new CommandLine(new SegEval());
    for (String name : new String[] {"synth", "bench-evaluate", "bench-inference", "bench-compare"}) {
      for (OptionSpec o : root.getSubcommands().get(name).getCommandSpec().options()) {
        if (o.usageHelp() || o.versionHelp()) {
          continue;
        }
        String what = name + " " + o.longestName();
        String description = String.join(" ", o.description());
        assertFalse(description.isBlank(), what + " has no description");
        if (!o.required()) {
          assertTrue(description.toLowerCase(Locale.ROOT).contains("default"), what + ": " + description);
        }
        if (o.arity().max() > 0) {
          assertFalse(o.paramLabel().startsWith("<"), what + " has picocli's field-name label " + o.paramLabel());
        }
      }
    }
  }
}
