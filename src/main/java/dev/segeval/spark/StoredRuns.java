package dev.segeval.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.runs.RunDirectory;
import dev.segeval.runs.RunFingerprint;
import dev.segeval.scoring.EvaluationException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Reads a finished run back from an output folder: its summary and the per-image statistics in images/. */
public final class StoredRuns {
  private StoredRuns() {
  }

  /**
   * A finished run.
   *
   * @param label       how to name it in messages: {@code <output>#<run id>}
   * @param labelsTable "name digest" of the labels table, from the run's fingerprint (null for older runs)
   */
  public record StoredRun(String output, String runId, String label, JsonNode summary, String labelsTable) {
    public String field(String name) {
      return summary.path(name).asText(null);
    }
  }

  /** Per-image results of a run: statistics of the scored images and the messages of the failed ones, by id. */
  public record ImageSet(Map<String, SegmentationStats> scored, Map<String, String> failed) {
  }

  /**
   * Parses {@code <output>[#<run id>]} and reads the run's summary: {@code runs/<id>/summary.json}, or for a run
   * id not given, the latest run's {@code summary.json}.
   *
   * @throws EvaluationException naming the run when there is no such finished run
   */
  public static StoredRun read(String spec, Configuration conf) throws IOException {
    int hash = spec.lastIndexOf('#');
    String output = HadoopPaths.qualify(hash < 0 ? spec : spec.substring(0, hash));
    String runId = hash < 0 ? null : spec.substring(hash + 1);
    String path = runId == null ? HadoopPaths.join(output, "summary.json") : EvaluateJob.runSummaryPath(output, runId);
    byte[] json;
    try {
      json = HadoopPaths.readAll(path, conf);
    } catch (FileNotFoundException e) {
      throw new EvaluationException("Cannot compare " + HadoopPaths.redact(spec) + ": no finished run "
          + (runId == null ? "" : "'" + runId + "' ") + "under " + HadoopPaths.redact(output) + " (" + HadoopPaths
          .redact(path) + " does not exist); give <output>#<run id> of a run that completed", e);
    }
    JsonNode summary = new ObjectMapper().readTree(json);
    String id = summary.path("runId").asText();
    RunFingerprint fingerprint = new RunDirectory(output, id).readFingerprint(conf);
    String labels = fingerprint == null ? null : fingerprint.fields().get("labels.table");
    return new StoredRun(output, id, HadoopPaths.redact(output) + "#" + id, summary, labels);
  }

  /** The run's images/ rows, restored to exact per-image statistics (ordered by image id). */
  public static ImageSet images(SparkSession spark, StoredRun run, ClassSpace space) {
    List<Row> rows = spark.read().parquet(EvaluateJob.tablePath(run.output(), "images", run.runId()))
        .collectAsList();
    Map<String, SegmentationStats> scored = new TreeMap<>();
    Map<String, String> failed = new TreeMap<>();
    for (Row r : rows) {
      String id = r.getAs("image_id");
      if ("ok".equals(r.getAs("status"))) {
        scored.put(id, ResultTables.restoreImage(space, r));
      } else {
        failed.put(id, r.getAs("error"));
      }
    }
    return new ImageSet(scored, failed);
  }
}
