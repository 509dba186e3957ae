package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.cli.SegEval;
import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.imaging.PngEncoder;
import dev.segeval.nightly.SuiteConfig;
import dev.segeval.report.HeadlessChromium;
import dev.segeval.synth.SyntheticDatasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A nightly suite of two entries over three nights: no baseline on the first, a degraded prediction set on the
 * second (exit 4, naming the entry and the metric), and after promoting that run, a third night compared with
 * the new baseline. history/ gets a row per entry and night.
 */
class NightlyTest {
  @TempDir
  Path tmp;

  record Result(int code, String out) {
  }

  static Result run(String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    int code;
    try {
      System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      code = SegEval.execute(args);
    } finally {
      System.setOut(saved);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    System.err.print(out);
    return new Result(code, out);
  }

  @Test
  void twoEntriesOverThreeNightsWithARegressionAndAPromotion() throws Exception {
    SparkTestSession.get();
    Path data = tmp.resolve("data");
    SyntheticDatasets.cityscapes(data.toUri().toString(), new SyntheticDatasets.Options(30, 128, 64, 17, "val"),
        new Configuration());
    Path preds = tmp.resolve("preds");
    Fixtures.copyTree(data.resolve("cityscapes-predictions"), preds);
    Path suiteFile = tmp.resolve("suite.properties");
    Files.writeString(suiteFile, String.join("\n",
        "suite = t",
        "output = " + tmp.resolve("nightly"),
        "entries = labelids, trainids",
        "entry.labelids = --dataset cityscapes --data-root " + data.resolve("cityscapes") + " --predictions " + preds,
        "entry.trainids = --dataset cityscapes --data-root " + data.resolve("cityscapes") + " --predictions "
            + data.resolve("cityscapes-predictions-trainid") + " --prediction-encoding trainId",
        "resamples = 2000", ""));
    SuiteConfig suite = SuiteConfig.read(suiteFile);

    Result first = run("nightly", "--suite", suiteFile.toString(), "--date", "2026-11-30");
    assertEquals(SegEval.EXIT_OK, first.code(), first.out());
    assertTrue(first.out().contains("t/labelids: no baseline yet; promote this run with: jobs/segeval.sh promote "
        + "--suite " + suiteFile + " --entry labelids --run-id t-2026-11-30"), first.out());
    for (String entry : List.of("labelids", "trainids")) {
      assertEquals(SegEval.EXIT_OK, run("promote", "--suite", suiteFile.toString(), "--entry", entry, "--run-id",
          "t-2026-11-30", "--reason", "first night").code());
    }

    // The second night's label-id predictions lose every car: predicted as road.
    try (Stream<Path> files = Files.walk(preds)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        IndexImage img = PngDecoder.decodeIndex(Files.readAllBytes(f), f.toString());
        int[] v = img.intValues();
        for (int i = 0; i < v.length; i++) {
          v[i] = v[i] == 26 ? 7 : v[i];
        }
        Files.write(f, PngEncoder.encodeGray8(img.width(), img.height(), v));
      }
    }
    Result second = run("nightly", "--suite", suiteFile.toString(), "--date", "2026-12-01");
    assertEquals(4, second.code(), second.out());
    assertTrue(second.out().contains("t/labelids: REGRESSION against t-2026-11-30: mIoU "), second.out());
    assertTrue(second.out().contains("t/trainids: no regression against t-2026-11-30"), second.out());

    List<Row> history = NightlyJob.rowsOf(SparkTestSession.get(), suite, "history", NightlyJob.HISTORY);
    assertEquals(4, history.size());
    Row degraded = history.stream().filter(r -> r.getAs("run_id").equals("t-2026-12-01")
        && r.getAs("entry").equals("labelids")).findFirst().orElseThrow();
    assertEquals("regression", degraded.getAs("verdict"));
    assertEquals("t-2026-11-30", degraded.getAs("baseline_run_id"));
    assertTrue(((String) degraded.getAs("regressions")).contains("IoU car"), degraded.toString());
    assertTrue((Double) degraded.getAs("miou") < (Double) history.stream().filter(r -> r.getAs("run_id")
        .equals("t-2026-11-30") && r.getAs("entry").equals("labelids")).findFirst().orElseThrow().getAs("miou"));
    assertEquals(30L, (Long) degraded.getAs("images"));

    // Promote the degraded run: the next night is compared with it and shows no change.
    assertEquals(SegEval.EXIT_OK, run("promote", "--suite", suiteFile.toString(), "--entry", "labelids",
        "--run-id", "t-2026-12-01", "--reason", "cars are not evaluated any more").code());
    Result third = run("nightly", "--suite", suiteFile.toString(), "--date", "2026-12-02");
    assertEquals(SegEval.EXIT_OK, third.code(), third.out());
    assertTrue(third.out().contains("t/labelids: no regression against t-2026-12-01"), third.out());
    List<Row> baselines = NightlyJob.rowsOf(SparkTestSession.get(), suite, "baselines", NightlyJob.BASELINES);
    assertEquals(3, baselines.size());
    assertEquals(6, NightlyJob.rowsOf(SparkTestSession.get(), suite, "history", NightlyJob.HISTORY).size());

    // A baseline measured on a much faster machine: tonight's images/s is a warning, or a failure on request.
    Path baseSummary = tmp.resolve("nightly/trainids/runs/t-2026-11-30/summary.json");
    com.fasterxml.jackson.databind.node.ObjectNode s = (com.fasterxml.jackson.databind.node.ObjectNode)
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readAllBytes(baseSummary));
    ((com.fasterxml.jackson.databind.node.ObjectNode) s.get("timings")).put("imagesPerSecond", 1e9);
    Files.writeString(baseSummary, s.toString());
    Result slow = run("nightly", "--suite", suiteFile.toString(), "--date", "2026-12-03");
    assertEquals(SegEval.EXIT_OK, slow.code(), slow.out());
    assertTrue(slow.out().contains("t/trainids: no regression against t-2026-11-30; warning: 100 % fewer images/s "
        + "than the baseline"), slow.out());
    Result fatal = run("nightly", "--suite", suiteFile.toString(), "--date", "2026-12-03", "--fail-on-slowdown");
    assertEquals(4, fatal.code(), fatal.out());
    assertTrue(fatal.out().contains("t/trainids: no regression against t-2026-11-30; SLOWER: 100 % fewer images/s"),
        fatal.out());
    Row slowRow = NightlyJob.rowsOf(SparkTestSession.get(), suite, "history", NightlyJob.HISTORY).stream()
        .filter(r -> r.getAs("run_id").equals("t-2026-12-03") && r.getAs("entry").equals("trainids")).findFirst()
        .orElseThrow();
    assertEquals(true, slowRow.getAs("slower"));
    assertEquals(8, NightlyJob.rowsOf(SparkTestSession.get(), suite, "history", NightlyJob.HISTORY).size(),
        "rerunning a night replaces its rows");

    // nightly.html in Chromium, read back against history/ as it is on disk: every night of every entry, with the
    // current baselines marked.
    String[] page = new HeadlessChromium(tmp).render(tmp.resolve("nightly/nightly.html"), "nightly-suite");
    HeadlessChromium.assertCleanPage(page);
    Map<String, String> shown = HeadlessChromium.cells(page[0]);
    List<Row> nights = NightlyJob.rowsOf(SparkTestSession.get(), suite, "history", NightlyJob.HISTORY);
    for (Row r : nights) {
      String key = r.getAs("entry") + " " + r.getAs("date");
      assertEquals((Double) r.getAs("miou"), Double.parseDouble(shown.get("mIoU " + key)), 0, key);
      assertEquals((Double) r.getAs("pixel_accuracy"), Double.parseDouble(shown.get("pixelAccuracy " + key)), 0,
          key);
      assertEquals((Double) r.getAs("iiou"), Double.parseDouble(shown.get("iIoU " + key)), 0, key);
    }
    assertEquals(3 * nights.size(), shown.keySet().stream().filter(k -> k.matches("(mIoU|pixelAccuracy|iIoU) .*"))
        .count(), "one value per metric, entry and night, and no other: " + shown.keySet());
    assertTrue(page[0].contains("t-2026-12-01 (baseline)") && page[0].contains("t-2026-11-30 (baseline)"),
        "both entries' current baselines are marked");

    // Promoting an entry the suite does not have, or a run that did not finish: exit 2.
    assertEquals(SegEval.EXIT_USAGE, run("promote", "--suite", suiteFile.toString(), "--entry", "nope", "--run-id",
        "t-2026-12-01", "--reason", "x").code());
    assertEquals(SegEval.EXIT_USAGE, run("promote", "--suite", suiteFile.toString(), "--entry", "labelids",
        "--run-id", "t-1999-01-01", "--reason", "x").code());
  }

  @Test
  void badSuiteFilesNameTheKey() throws Exception {
    Path f = tmp.resolve("bad.properties");
    Files.writeString(f, "suite = s\noutput = o\nentries = a\nentry.a = --dataset x\nspeed = 3\n");
    Result r = run("nightly", "--suite", f.toString());
    assertEquals(SegEval.EXIT_USAGE, r.code());
    Files.writeString(f, "suite = s\noutput = o\nentries = a, b\nentry.a = --dataset x\n");
    assertEquals(SegEval.EXIT_USAGE, run("nightly", "--suite", f.toString()).code());
    Files.writeString(f, "suite = s\noutput = o\nentries = a\nentry.a = --dataset x --run-id y\n");
    assertEquals(SegEval.EXIT_USAGE, run("nightly", "--suite", f.toString()).code());
    dev.segeval.InvalidSettingException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.segeval.InvalidSettingException.class, () -> SuiteConfig.read(f));
    assertEquals("Cannot read suite " + f + ": entry 'a' sets --run-id, which the suite decides (<output>/<entry>, "
        + "run id <suite>-<date>)", e.getMessage());
  }
}
