package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.cli.SegEval;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline against segeval's own `evaluate --model` on the same synthetic images: the same metrics. */
class SegmentAndEvaluateTest {
  @TempDir
  Path tmp;

  @Test
  void thePipelineGivesEvaluatesMetrics() throws Exception {
    // The demo's data (jobs/demo.sh: 512x256, seed 7), fewer images.
    SyntheticDatasets.cityscapes(tmp.resolve("data").toUri().toString(),
        new SyntheticDatasets.Options(6, 512, 256, 7, "val"), new Configuration());
    String model = Path.of("../../notebooks/models/pspnet-tiny-synth-cityscapes.pt").toAbsolutePath().normalize()
        .toString();
    SparkSession spark = SparkSession.builder().master("local[2]").appName("example").getOrCreate();
    Map<String, Double> metrics = SegmentAndEvaluate.run(spark, tmp.resolve("data/cityscapes").toString(), "val",
        model);
    int code = SegEval.execute("evaluate", "--dataset", "cityscapes", "--data-root",
        tmp.resolve("data/cityscapes").toString(), "--model", model, "--output", tmp.resolve("out").toString(),
        "--quiet");
    assertEquals(0, code);
    JsonNode summary = new ObjectMapper().readTree(tmp.resolve("out/summary.json").toFile());
    System.out.println("pipeline " + metrics + "; evaluate " + summary.get("metrics"));
    assertEquals(summary.at("/metrics/mIoU").asDouble(), metrics.get("mIoU"));
    assertEquals(summary.at("/metrics/pixelAccuracy").asDouble(), metrics.get("pixelAccuracy"));
    assertEquals(summary.at("/metrics/iIoU").asDouble(), metrics.get("iIoU"));
  }
}
