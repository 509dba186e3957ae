package dev.segeval.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.InvalidSettingException;
import dev.segeval.scoring.EvaluationException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Exit codes follow the exception's type: bad input is one line and 2, anything else a stack trace and 3. */
class ExitCodesTest {
  static String[] report(Exception e, int[] code) {
    StringWriter err = new StringWriter();
    code[0] = SegEval.exitCodeOf(e, new PrintWriter(err, true));
    return err.toString().split("\n");
  }

  @Test
  void badSettingsAndRefusedRunsAreOneLineWithExitTwo() {
    int[] code = new int[1];
    String[] lines = report(new InvalidSettingException("Cannot use --partitions -1: must be 0 (auto) or more"), code);
    assertEquals(SegEval.EXIT_USAGE, code[0]);
    assertEquals(1, lines.length);
    assertEquals("segeval: Cannot use --partitions -1: must be 0 (auto) or more", lines[0]);
    lines = report(new EvaluationException("Cannot evaluate: no .png predictions under /p; check --predictions"),
        code);
    assertEquals(SegEval.EXIT_USAGE, code[0]);
    assertEquals(1, lines.length);
  }

  @Test
  void anIllegalArgumentExceptionFromInsideIsABugWithItsStackTrace() {
    int[] code = new int[1];
    String[] lines = report(new IllegalArgumentException("Cannot merge statistics with and without instance "
        + "statistics"), code);
    assertEquals(SegEval.EXIT_RUN_FAILED, code[0]);
    assertEquals("segeval: run failed: java.lang.IllegalArgumentException: Cannot merge statistics with and "
        + "without instance statistics", lines[0]);
    assertTrue(lines.length > 3 && lines[2].strip().startsWith("at dev.segeval.cli.ExitCodesTest"),
        String.join("\n", lines));
    report(new NullPointerException(), code);
    assertEquals(SegEval.EXIT_RUN_FAILED, code[0]);
  }
}
