package dev.segeval.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.spark.Fixtures;
import dev.segeval.spark.SparkTestSession;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs that cannot work fail before any image is scored: exit code 2 and one line naming the option and the
 * path, no stack trace, nothing written.
 */
class PreflightTest {
  @TempDir
  Path tmp;

  @BeforeAll
  static void session() {
    SparkTestSession.get(); // evaluate reuses it, as it would an embedding application's
  }

  record Result(int code, String err) {
  }

  Result evaluate(String... extra) {
    List<String> args = new ArrayList<>(List.of("evaluate", "--dataset", "cityscapes", "--data-root",
        Fixtures.synth().resolve("cityscapes").toString(), "--quiet"));
    args.addAll(List.of(extra));
    StringWriter err = new StringWriter();
    int code = SegEval.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        args.toArray(new String[0]));
    return new Result(code, err.toString());
  }

  String predictions() {
    return Fixtures.synth().resolve("cityscapes-predictions").toString();
  }

  @Test
  void outputThatIsAFileFailsFirst() throws Exception {
    Path file = Files.writeString(tmp.resolve("results.txt"), "not a folder");
    Result r = evaluate("--predictions", predictions(), "--output", file.toString());
    assertEquals(SegEval.EXIT_USAGE, r.code());
    assertEquals("segeval: Cannot write to --output " + file.toUri().toString().replace("file:///", "file:/")
        + ": it is a file, not a folder; give a folder you can write to (for s3a://, an existing bucket)\n", r.err());
    assertEquals("not a folder", Files.readString(file));
  }

  @Test
  void outputThatCannotBeCreatedFailsFirst() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    Result r = evaluate("--predictions", predictions(), "--output", file.resolve("results").toString());
    assertEquals(SegEval.EXIT_USAGE, r.code());
    assertEquals("segeval: Cannot write to --output " + file.resolve("results").toUri().toString().replace("file:///",
        "file:/") + ": Parent path is not a directory: " + file.toUri().toString().replace("file:///", "file:/")
        + "; give a folder you can write to (for s3a://, an existing bucket)\n", r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  @Test
  void missingOrBrokenModelFailsFirst() throws Exception {
    Path out = tmp.resolve("out");
    Result r = evaluate("--model", tmp.resolve("missing.pt").toString(), "--output", out.toString());
    assertEquals(SegEval.EXIT_USAGE, r.code());
    assertEquals("segeval: Cannot load model: " + tmp.resolve("missing.pt").toUri().toString().replace("file:///",
        "file:/") + " does not exist; check --model\n", r.err().replace("file:///", "file:/"));
    Path garbage = Files.write(tmp.resolve("garbage.pt"), new byte[] {1, 2, 3, 4});
    r = evaluate("--model", garbage.toString(), "--output", out.toString());
    assertEquals(SegEval.EXIT_USAGE, r.code());
    assertTrue(r.err().startsWith("segeval: Cannot load model "), r.err());
    assertTrue(r.err().contains("not a TorchScript file DJL's PyTorch engine can read"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertFalse(Files.exists(out.resolve("_progress")), "nothing was started");
  }

  @Test
  void missingLabelsTableFailsFirst() {
    Path out = tmp.resolve("out");
    StringWriter err = new StringWriter();
    int code = SegEval.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "evaluate",
        "--dataset", "folder", "--labels", tmp.resolve("labels.csv").toString(), "--data-root", tmp.toString(),
        "--predictions", tmp.toString(), "--output", out.toString(), "--quiet");
    assertEquals(SegEval.EXIT_USAGE, code);
    assertEquals("segeval: Cannot read --labels " + tmp.resolve("labels.csv").toUri().toString()
        .replace("file:///", "file:/") + ": the file does not exist\n", err.toString().replace("file:///", "file:/"));
  }
}
