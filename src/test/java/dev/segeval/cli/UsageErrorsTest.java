package dev.segeval.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A bad command line gets one line on stderr (what is wrong, the closest option, where to look) and exit code 2. */
class UsageErrorsTest {
  private static void assertOneLine(String expected, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = SegEval.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    assertEquals(List.of(expected), err.toString().lines().toList(), String.join(" ", args));
    assertEquals("", out.toString(), String.join(" ", args));
    assertEquals(SegEval.EXIT_USAGE, exit, String.join(" ", args));
  }

  @Test
  void mistypedOptionsNameTheClosestOneEvenWhenRequiredOptionsAreMissing() {
    assertOneLine("segeval: Unknown option: '--datset'; did you mean --dataset? "
        + "(segeval evaluate --help lists every option)", "evaluate", "--datset", "x");
    // picocli offers --dataset first for both; the closer one is chosen.
    assertOneLine("segeval: Unknown option: '--data-roo'; did you mean --data-root? "
        + "(segeval evaluate --help lists every option)", "evaluate", "--dataset", "cityscapes", "--data-roo", "x",
        "--output", "y");
    assertOneLine("segeval: Unknown options: '--datset=x', '--outptu'; did you mean --dataset, --output? "
        + "(segeval evaluate --help lists every option)", "evaluate", "--datset=x", "--outptu", "y");
    assertOneLine("segeval: Unknown option: '--zzz' (segeval bench-evaluate --help lists every option)",
        "bench-evaluate", "--zzz");
  }

  @Test
  void mistypedCommandsNameTheClosestOne() {
    assertOneLine("segeval: Unknown command: 'evalute'; did you mean evaluate? (segeval --help lists every command)",
        "evalute", "--dataset", "x");
    assertOneLine("segeval: Unexpected argument: 'x' (segeval synth --help lists every option)",
        "synth", "--output", "o", "x");
  }

  @Test
  void missingAndBadValuesAreOneLineToo() {
    assertOneLine("segeval: Missing required options: '--dataset=NAME', '--data-root=URI', '--output=URI' "
        + "(segeval evaluate --help lists every option)", "evaluate");
    assertOneLine("segeval: Missing required parameter for option '--output' (URI) "
        + "(segeval synth --help lists every option)", "synth", "--output");
    assertOneLine("segeval: Invalid value for option '--images': 'abc' is not an int "
        + "(segeval bench-evaluate --help lists every option)", "bench-evaluate", "--images", "abc");
    assertOneLine("segeval: Invalid value for option '--images': '0' is less than 1 "
        + "(segeval bench-evaluate --help lists every option)", "bench-evaluate", "--images", "0");
    assertOneLine("segeval: Invalid value for option '--partitions': '-1' is less than 0 "
        + "(segeval bench-evaluate --help lists every option)", "bench-evaluate", "--partitions", "-1");
    assertOneLine("segeval: Cannot use --read-ahead 300: must be 0 (off) to 256 images (each task holds that many "
        + "images' files in memory)", "evaluate", "--dataset", "cityscapes", "--data-root", "/nonexistent/d",
        "--predictions", "/nonexistent/p", "--output", "/nonexistent/o", "--read-ahead", "300");
    assertOneLine("segeval: Missing required option: '--model=URI' "
        + "(segeval bench-inference --help lists every option)", "bench-inference");
  }

  @Test
  void editDistanceCountsSingleCharacterEdits() {
    assertEquals(0, UsageErrors.editDistance("--dataset", "--dataset"));
    assertEquals(1, UsageErrors.editDistance("--datset", "--dataset"));
    assertEquals(4, UsageErrors.editDistance("--data-roo", "--dataset"));
    assertEquals(1, UsageErrors.editDistance("--data-roo", "--data-root"));
    assertEquals(3, UsageErrors.editDistance("", "abc"));
  }
}
