package dev.segeval.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.segeval.metrics.MetricReport;
import java.nio.charset.StandardCharsets;

/**
 * {@code summary.json}: the run's headline numbers for people and CI. Values are fractions in [0, 1];
 * NaN (undefined) is written as null. The schema is documented in README.md ("Output schema").
 */
public final class SummaryJson {
  public static final int SCHEMA_VERSION = 1;
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SummaryJson() {
  }

  public static byte[] render(RunInfo run, MetricReport report) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("schemaVersion", SCHEMA_VERSION);
    root.put("runId", run.runId());
    root.put("tool", "segeval " + run.toolVersion());
    root.put("dataset", run.dataset());
    root.put("split", run.split());
    root.put("dataRoot", run.dataRoot());
    root.put("predictions", run.predictions());
    if (run.precision() != null) {
      root.put("precision", run.precision());
    }
    root.put("predictionEncoding", run.predictionEncoding());
    root.put("absentClassPolicy", run.absentClassPolicy());
    root.put("startedAt", run.startedAt());
    root.put("sparkMaster", run.sparkMaster());

    ObjectNode images = root.putObject("images");
    images.put("total", run.imageCount());
    images.put("ok", run.okCount());
    images.put("failed", run.failedCount());
    images.put("resumed", run.resumedCount());

    ObjectNode metrics = root.putObject("metrics");
    num(metrics, "mIoU", report.meanIou());
    num(metrics, "pixelAccuracy", report.pixelAccuracy());
    num(metrics, "meanAccuracy", report.meanAccuracy());
    num(metrics, "fwIoU", report.frequencyWeightedIou());
    num(metrics, "iIoU", report.meanInstanceIou());
    num(metrics, "categoryIoU", report.categoryMeanIou());
    num(metrics, "categoryIIoU", report.categoryMeanInstanceIou());

    ObjectNode pixels = root.putObject("pixels");
    pixels.put("total", run.pixels());
    pixels.put("evaluated", report.evaluatedPixels());
    pixels.put("correct", report.correctPixels());
    pixels.put("ignored", report.ignoredPixels());

    ArrayNode classes = root.putArray("classes");
    for (MetricReport.ClassMetrics c : report.classes()) {
      ObjectNode n = classes.addObject();
      n.put("index", c.index());
      n.put("name", c.name());
      n.put("labelId", c.labelId());
      num(n, "iou", c.iou());
      num(n, "accuracy", c.accuracy());
      num(n, "precision", c.precision());
      num(n, "dice", c.dice());
      num(n, "iiou", c.iiou());
      n.put("tp", c.truePositives());
      n.put("fp", c.falsePositives());
      n.put("fn", c.falseNegatives());
    }
    ArrayNode categories = root.putArray("categories");
    for (MetricReport.CategoryMetrics c : report.categories()) {
      ObjectNode n = categories.addObject();
      n.put("name", c.name());
      num(n, "iou", c.iou());
      num(n, "iiou", c.iiou());
    }
    ObjectNode timings = root.putObject("timings");
    timings.put("listingSeconds", run.listingSeconds());
    timings.put("scoringSeconds", run.scoringSeconds());
    timings.put("writingSeconds", run.writingSeconds());
    timings.put("totalSeconds", run.totalSeconds());
    num(timings, "imagesPerSecond", run.scoringSeconds() > 0 ? run.imageCount() / run.scoringSeconds() : Double.NaN);

    ArrayNode failures = root.putArray("failures");
    for (RunInfo.Failure f : run.failures()) {
      ObjectNode n = failures.addObject();
      n.put("id", f.id());
      n.put("kind", f.kind());
      n.put("error", f.error());
    }
    try {
      return (MAPPER.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot render summary.json", e);
    }
  }

  private static void num(ObjectNode node, String key, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      node.putNull(key);
    } else {
      node.put(key, value);
    }
  }
}
