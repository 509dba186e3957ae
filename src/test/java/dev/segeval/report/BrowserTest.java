package dev.segeval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.compare.Comparison;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.spark.CompareJob;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.spark.Fixtures;
import dev.segeval.spark.SparkTestSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML pages rendered in headless Chromium (Debian's chromium, which .ci/run installs): no console message, the
 * page's script ran to its end, and every number read back from the DOM equals summary.json / compare.json. A
 * screenshot of each page is taken (copied to the folder named by the system property segeval.screenshots when set:
 * that is how benchmark-results/screenshots/ is made).
 */
@Tag("integration")
class BrowserTest {
  @TempDir
  Path tmp;

  static void assertSameValue(JsonNode expected, String actual, String what) {
    if (expected.isNull()) {
      assertEquals("null", actual, what);
    } else {
      assertEquals(expected.asDouble(), Double.parseDouble(actual), 0, what);
    }
  }

  @Test
  void runComparisonAndNightlyPagesShowTheirJsonNumbers() throws Exception {
    HeadlessChromium chrome = new HeadlessChromium(tmp);
    Path data = Fixtures.synth();
    Path out = tmp.resolve("out");
    // A degraded model for the comparison: every car predicted as road.
    Path degraded = tmp.resolve("degraded");
    Path preds = data.resolve("cityscapes-predictions");
    try (java.util.stream.Stream<Path> files = Files.walk(preds)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        var img = dev.segeval.imaging.PngDecoder.decodeIndex(Files.readAllBytes(f), f.toString());
        int[] v = img.intValues();
        for (int i = 0; i < v.length; i++) {
          v[i] = v[i] == 26 ? 7 : v[i];
        }
        Path target = degraded.resolve(preds.relativize(f).toString());
        Files.createDirectories(target.getParent());
        Files.write(target, dev.segeval.imaging.PngEncoder.encodeGray8(img.width(), img.height(), v));
      }
    }
    for (String id : List.of("base", "degraded")) {
      EvaluateJob.run(SparkTestSession.get(), new EvaluationSpec("cityscapes", null,
          data.resolve("cityscapes").toUri().toString(), "val", new FolderPredictions((id.equals("base") ? preds
          : degraded).toUri().toString()), PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE,
          out.toUri().toString(), id, 2, true), System.err);
    }

    // The run page against summary.json.
    String[] run = chrome.render(out.resolve("runs/base/report.html"), "run-report");
    HeadlessChromium.assertCleanPage(run);
    Map<String, String> shown = HeadlessChromium.cells(run[0]);
    JsonNode summary = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("runs/base/summary.json")));
    for (String metric : List.of("mIoU", "pixelAccuracy", "meanAccuracy", "fwIoU", "iIoU", "categoryIoU",
        "categoryIIoU")) {
      assertSameValue(summary.at("/metrics/" + metric), shown.get(metric), metric);
    }
    for (JsonNode c : summary.get("classes")) {
      assertSameValue(c.get("iou"), shown.get("IoU " + c.get("name").asText()), c.get("name").asText());
      assertSameValue(c.get("iiou"), shown.get("iIoU " + c.get("name").asText()), c.get("name").asText());
    }
    assertTrue(run[0].contains("id=\"worst\"") && run[0].contains("frankfurt_"), "worst images listed");

    // The comparison page against compare.json.
    CompareJob.Outcome c = CompareJob.run(SparkTestSession.get(), new CompareJob.CompareSpec(out + "#degraded",
        out + "#base", null, false, 2000, 3, 0.05, new Comparison.Tolerances(Map.of(), 0.001),
        Comparison.ClassCorrection.MAX_T, null), System.err);
    Path json = Path.of(java.net.URI.create(c.json()));
    String[] compare = chrome.render(Path.of(java.net.URI.create(CompareJob.htmlPath(c.json()))), "compare-report");
    HeadlessChromium.assertCleanPage(compare);
    Map<String, String> compared = HeadlessChromium.cells(compare[0]);
    JsonNode cj = new ObjectMapper().readTree(Files.readAllBytes(json));
    int checked = 0;
    for (JsonNode m : cj.get("metrics")) {
      String name = m.get("name").asText();
      if (!m.get("headline").asBoolean() && m.get("baseline").isNull() && m.get("current").isNull()) {
        assertTrue(!compared.containsKey("baseline " + name), "undefined on both sides: not shown, " + name);
        continue;
      }
      assertSameValue(m.get("baseline"), compared.get("baseline " + name), name);
      assertSameValue(m.get("current"), compared.get("current " + name), name);
      assertSameValue(m.get("delta"), compared.get("delta " + name), name);
      checked++;
    }
    assertTrue(checked >= 7 + 19, "headline and per-class IoU rows: " + checked);
    assertTrue(compare[0].contains("id=\"forest\""), "forest plot present");
    assertTrue(compare[0].contains("class=\"l regression\">regression"), "the regression is shown");

    // The nightly trend against the history it was made from.
    List<HtmlReports.Night> nights = List.of(
        new HtmlReports.Night("2026-11-29", "model", "n-2026-11-29", 0.7012, 0.951, 0.6, "no-baseline"),
        new HtmlReports.Night("2026-11-30", "model", "n-2026-11-30", 0.7034, 0.952, 0.61, "no-regression"),
        new HtmlReports.Night("2026-12-01", "model", "n-2026-12-01", 0.6721, 0.941, Double.NaN, "regression"));
    Path page = tmp.resolve("nightly.html");
    Files.write(page, HtmlReports.nightly("n", nights, Map.of("model", "n-2026-11-30")));
    String[] nightly = chrome.render(page, "nightly-report");
    HeadlessChromium.assertCleanPage(nightly);
    Map<String, String> trend = HeadlessChromium.cells(nightly[0]);
    for (HtmlReports.Night n : nights) {
      assertEquals(n.miou(), Double.parseDouble(trend.get("mIoU model " + n.date())), 0);
      assertEquals(n.pixelAccuracy(), Double.parseDouble(trend.get("pixelAccuracy model " + n.date())), 0);
    }
    assertEquals("null", trend.get("iIoU model 2026-12-01"));
    assertTrue(nightly[0].contains("n-2026-11-30 (baseline)"), "the baseline night is marked");
  }
}
