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
  private static final Pattern CELL = Pattern.compile("data-metric=\"([^\"]*)\" data-value=\"([^\"]*)\"");

  @TempDir
  Path tmp;

  static String chromium() {
    for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    throw new IllegalStateException("Chromium is needed for the browser test: apt-get install chromium (.ci/run "
        + "installs it)");
  }

  /** Runs Chromium on a page, bounded in time; returns {dom, stderr}. */
  String[] render(Path page, String screenshot) throws Exception {
    Path profile = Files.createTempDirectory(tmp, "profile");
    List<String> cmd = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
    Path out = tmp.resolve(screenshot + ".dom");
    Path err = tmp.resolve(screenshot + ".err");
    List<String> dump = new ArrayList<>(cmd);
    dump.addAll(List.of("--dump-dom", page.toUri().toString()));
    run(dump, out, err);
    Path png = Path.of("target", "browser-screenshots", screenshot + ".png").toAbsolutePath();
    Files.createDirectories(png.getParent());
    List<String> shot = new ArrayList<>(cmd);
    shot.addAll(List.of("--hide-scrollbars", "--window-size=1200,1600", "--screenshot=" + png,
        page.toUri().toString()));
    run(shot, tmp.resolve(screenshot + ".shot.out"), tmp.resolve(screenshot + ".shot.err"));
    assertTrue(Files.size(png) > 10_000, "screenshot written: " + png);
    String target = System.getProperty("segeval.screenshots");
    if (target != null && !target.isBlank()) {
      Path dir = Path.of(target);
      Files.createDirectories(dir);
      Files.copy(png, dir.resolve(png.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
    return new String[] {Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8)};
  }

  private static void run(List<String> cmd, Path out, Path err) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly(); // the Chromium this test started, by its own handle
      throw new AssertionError("Chromium did not finish in 90 s: " + cmd);
    }
    assertEquals(0, p.exitValue(), "Chromium failed: " + Files.readString(err));
  }

  static Map<String, String> cells(String dom) {
    Map<String, String> values = new LinkedHashMap<>();
    Matcher m = CELL.matcher(dom);
    while (m.find()) {
      values.put(m.group(1).replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&"), m.group(2));
    }
    return values;
  }

  static void assertCleanPage(String[] rendered) {
    assertTrue(rendered[0].contains("data-ready=\"1\""), "the page's script ran to its end");
    assertTrue(rendered[1].lines().noneMatch(l -> l.contains(":CONSOLE")), "console output: " + rendered[1]);
  }

  static void assertSameValue(JsonNode expected, String actual, String what) {
    if (expected.isNull()) {
      assertEquals("null", actual, what);
    } else {
      assertEquals(expected.asDouble(), Double.parseDouble(actual), 0, what);
    }
  }

  @Test
  void runComparisonAndNightlyPagesShowTheirJsonNumbers() throws Exception {
    Path data = Fixtures.synth();
    Path out = tmp.resolve("out");
    // A degraded model for the comparison: every car predicted as road.
    Path degraded = tmp.resolve("degraded");
    Path preds = data.resolve("cityscapes-predictions");
    try (java.util.stream.Stream<Path> files = Files.walk(preds)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        var img = dev.segeval.imaging.PngDecoder.decodeIndex(Files.readAllBytes(f), f.toString());
        int[] v = img.values().clone();
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
    String[] run = render(out.resolve("runs/base/report.html"), "run-report");
    assertCleanPage(run);
    Map<String, String> shown = cells(run[0]);
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
        out + "#base", null, false, 2000, 3, 0.05, new Comparison.Tolerances(Map.of(), 0.001), null), System.err);
    Path json = Path.of(java.net.URI.create(c.json()));
    String[] compare = render(Path.of(java.net.URI.create(CompareJob.htmlPath(c.json()))), "compare-report");
    assertCleanPage(compare);
    Map<String, String> compared = cells(compare[0]);
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
    String[] nightly = render(page, "nightly-report");
    assertCleanPage(nightly);
    Map<String, String> trend = cells(nightly[0]);
    for (HtmlReports.Night n : nights) {
      assertEquals(n.miou(), Double.parseDouble(trend.get("mIoU model " + n.date())), 0);
      assertEquals(n.pixelAccuracy(), Double.parseDouble(trend.get("pixelAccuracy model " + n.date())), 0);
    }
    assertEquals("null", trend.get("iIoU model 2026-12-01"));
    assertTrue(nightly[0].contains("n-2026-11-30 (baseline)"), "the baseline night is marked");
  }
}
